#pragma once
/// Walks NETLINK_SOCK_DIAG replies held in a byte buffer (one recv() worth, or a recording):
/// inet_diag_msg records, NLMSG_DONE and NLMSG_ERROR. Parsing from bytes, not from a socket,
/// lets tests replay recorded dumps. libmnl stays in src/census.

#include <cstddef>
#include <cstdint>
#include <functional>

#include "census/socket_record.hpp"

namespace tcptune {

enum class DiagStatus {
  more,   ///< the buffer was consumed; the dump goes on
  done,   ///< NLMSG_DONE seen
  error,  ///< NLMSG_ERROR (or a malformed message): see `err`
};

struct DiagResult {
  DiagStatus status = DiagStatus::more;
  int err = 0;               ///< errno from NLMSG_ERROR, or EBADMSG for malformed input
  std::size_t sockets = 0;   ///< records passed to the sink
  std::size_t consumed = 0;  ///< bytes up to and including NLMSG_DONE (when done)
};

/// Parses every message in buf[0, len). seq/portid of 0 accept any sequence or port id.
DiagResult parse_diag_buffer(const std::uint8_t* buf, std::size_t len, std::uint32_t seq,
                             std::uint32_t portid,
                             const std::function<void(const SocketRecord&)>& sink);

}  // namespace tcptune
