#pragma once
/// Takes the socket census: the netlink dump on a live host (falling back to /proc/net/tcp{,6}
/// when the kernel has no sock_diag), /proc/net/tcp{,6} under --root, plus the kernel counters
/// and the port-range facts needed for per-destination headroom.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "census/aggregate.hpp"
#include "census/netlink_dump.hpp"
#include "census/owner_sample.hpp"
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

/// Connections per second of one group over the sampling window.
struct GroupRate {
  double connects_per_s = 0;
  double closes_per_s = 0;
  bool measured = false;  ///< false: a lower bound (one snapshot, or the census missed some)
  /// Net local ports taken per second (destinations): second snapshot's count less the first's.
  double ports_per_s = 0;
  std::optional<double> seconds_to_exhaustion;  ///< only while ports are being used up
};

/// How the census was sampled.
struct SampleInfo {
  bool two_snapshots = false;
  double seconds = 0;   ///< measured time between the two snapshots (0: one snapshot)
  std::string why_one;  ///< why only one snapshot was taken ("" with two)
};

/// What lets a closing connection give its local port back before its 60 s of TIME_WAIT:
/// tcp_tw_reuse (1: every outgoing connection, 2: loopback only; both need TCP timestamps),
/// after tcp_tw_reuse_delay (6.14+; 1 s before), and the tcp_max_tw_buckets cap.
struct PortReturn {
  int reuse = 2;
  bool timestamps = true;
  double reuse_delay_s = 1.0;
  std::optional<double> tw_cap;

  /// Whether connect() toward `d` may take over a TIME_WAIT port.
  [[nodiscard]] bool reuse_applies(const DestinationKey& d) const;
  /// The most ports `closes_per_s` closes a second toward `d` hold once their count levels off.
  [[nodiscard]] double closing_ports(double closes_per_s, const DestinationKey& d) const;
};

struct CensusReport {
  CensusAggregator sockets;  ///< the (last) snapshot
  SampleInfo sample;
  /// Short counter name ("ActiveOpens") → events per second over the window (two snapshots).
  std::map<std::string, double> rates;
  std::unordered_map<DestinationKey, GroupRate, DestinationKeyHash> dest_rates;
  std::map<std::uint16_t, GroupRate> port_rates;
  /// Bytes the first snapshot's identities took (0 with one snapshot).
  std::size_t baseline_bytes = 0;
  std::string source;                            ///< "netlink" or "proc"
  std::string fallback_reason;                   ///< why /proc was used on a live host, if it was
  std::map<std::string, std::int64_t> counters;  ///< netstat + snmp
  std::map<std::string, std::int64_t> sockstat;  ///< sockstat + sockstat6
  PortRange range;
  PortReturn port_return;
  int netlink_retries = 0;
  std::size_t proc_malformed_lines = 0;
  std::string proc_malformed_at;  ///< "file:line" of the first of them (host path)
  /// Owners of the groups select_owner_groups picks (SampleRequest::owners); empty otherwise.
  GroupOwners owners;
  OwnerLookupStats owner_stats;
  /// The owners of a group; null when none were found or looked up.
  [[nodiscard]] const OwnersOfGroup* owners_of(const GroupKey& g) const {
    auto it = owners.find(g);
    return it == owners.end() ? nullptr : &it->second;
  }

  /// Ports a client can use toward one destination from one local address: the range, less
  /// reserved ports and ports held by listeners inside it.
  [[nodiscard]] std::int64_t port_capacity() const;
  /// The group's rates: measured with two snapshots, else a lower bound from TIME_WAIT / 60
  /// (every TIME_WAIT socket is a connection closed in the last 60 s).
  [[nodiscard]] GroupRate rate_of(const Destination& d) const;
  [[nodiscard]] GroupRate rate_of(const PortUse& p) const;
};

/// The counters reported per second (short names, TcpExt or Tcp), in output order.
const std::vector<std::string>& rated_counters();

/// `--sample`: automatic (wait `seconds` only when the first snapshot shows something to rate),
/// a fixed window, or 0 (one snapshot).
struct SampleRequest {
  bool automatic = true;
  double seconds = 1.0;
  /// Look up the owners of the groups a report shows (the `owner_top` largest of each kind).
  bool owners = false;
  std::size_t owner_top = 10;
  /// Which groups' owners to look up, from the snapshot; unset: the `owner_top` largest of each
  /// kind (select_owner_groups). `check` asks only for the groups its findings can name, so an
  /// idle host with none of them costs no walk of /proc.
  std::function<std::vector<GroupKey>(const CensusReport&)> owner_groups;
};

/// How `take_sampled_census` waits (tests replace it); seconds.
using Sleeper = std::function<void(double)>;

/// Two censuses and two counter readings `req.seconds` apart (one under --root: a fixture tree
/// is one moment), rates from the differences. The report's sockets are the second snapshot's.
Result<CensusReport> take_sampled_census(const RootFs& fs, const KeySource& keys,
                                         CensusSource source, const SampleRequest& req,
                                         const Sleeper& sleep = {});

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
