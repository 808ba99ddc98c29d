#pragma once
/// Takes the socket census: the netlink dump on a live host (falling back to /proc/net/tcp{,6}
/// when the kernel has no sock_diag), /proc/net/tcp{,6} under --root, plus the kernel counters
/// and the port-range facts needed for per-destination headroom.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "census/aggregate.hpp"
#include "census/netlink_dump.hpp"
#include "core/result.hpp"

namespace tcptune {

class RootFs;
class KeySource;

enum class CensusSource { automatic, netlink, proc };

struct PortRange {
  int low = 32768;
  int high = 60999;
  bool known = false;
  std::vector<std::pair<int, int>> reserved;
};

struct CensusReport {
  CensusAggregator sockets;
  std::string source;                            ///< "netlink" or "proc"
  std::string fallback_reason;                   ///< why /proc was used on a live host, if it was
  std::map<std::string, std::int64_t> counters;  ///< netstat + snmp
  std::map<std::string, std::int64_t> sockstat;  ///< sockstat + sockstat6
  PortRange range;
  int netlink_retries = 0;
  std::size_t proc_malformed_lines = 0;

  /// Ports a client can use toward one destination from one local address: the range, less
  /// reserved ports and ports held by listeners inside it.
  [[nodiscard]] std::int64_t port_capacity() const;
};

/// Headroom of a client-side group in % of the port capacity (0 when full or no capacity).
double headroom_pct(std::int64_t capacity, std::uint64_t in_use);

/// Raw netlink replies for `debug record-sockets` (appended to `record` when not null).
Result<CensusReport> take_census(const RootFs& fs, const KeySource& keys, CensusSource source,
                                 std::string* record = nullptr);

/// One family's dump, as `netlink_dump` does it (tests inject failures through this).
using DumpFunction = std::function<Result<DumpStats>(
    int family, const std::function<void(const SocketRecord&)>& sink,
    const std::function<void(const std::uint8_t*, std::size_t)>* record)>;

/// `take_census` with the dump injected: ENOBUFS starts the whole census over once, then fails;
/// a kernel without sock_diag falls back to /proc/net/tcp{,6} (automatic source only).
Result<CensusReport> take_census_with(const RootFs& fs, const KeySource& keys, CensusSource source,
                                      const DumpFunction& dump, std::string* record = nullptr);

/// Replays a recording made by `debug record-sockets` (concatenated reply buffers).
Result<CensusReport> census_from_recording(const std::string& bytes);

}  // namespace tcptune
