#pragma once
/// Dumps TCP sockets over NETLINK_SOCK_DIAG without extensions, with a large receive buffer:
/// inet_diag_req_v2 (SOCK_DIAG_BY_FAMILY) for one address family, or the legacy inet_diag_req
/// (TCPDIAG_GETSOCK) for both in one walk.

#include <cstdint>
#include <functional>
#include <string>

#include "census/socket_record.hpp"
#include "core/result.hpp"

namespace tcptune {

struct DumpStats {
  std::size_t sockets = 0;
  std::size_t bytes = 0;
  int retries = 0;  ///< ENOBUFS restarts
};

/// Dumps the sockets of `family` (AF_INET or AF_INET6) whose state bit is in `states`
/// (1 << state). AF_UNSPEC dumps both families in one walk of the kernel's tables (the legacy
/// TCPDIAG_GETSOCK request: listeners of both families first, then every connection). Every record
/// goes to `sink`. Errors: the errno with a message (EPROTONOSUPPORT or ENOENT when the kernel has
/// no sock_diag / tcp_diag; ENOBUFS after one retry). ENOBUFS means the socket overflowed and the
/// dump is incomplete: the caller starts over. `record`, when not null, receives every raw reply
/// buffer (for `debug record-sockets`). `delivered`, when not null, is set to the number of records
/// passed to `sink`, also on failure.
Result<DumpStats> netlink_dump(
    int family, std::uint32_t states, const std::function<void(const SocketRecord&)>& sink,
    const std::function<void(const std::uint8_t*, std::size_t)>* record = nullptr,
    std::size_t* delivered = nullptr);

inline constexpr std::uint32_t k_all_states = 0xfff;  ///< states 1..11 (and 0)

}  // namespace tcptune
