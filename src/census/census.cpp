#include "census/census.hpp"

#include "census/owner_sample.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "census/counters.hpp"
#include "census/diag_parser.hpp"
#include "census/netlink_dump.hpp"
#include "census/proc_net_tcp.hpp"
#include "census/rates.hpp"
#include "core/key_source.hpp"
#include "core/sysctl_value.hpp"
#include "core/text_util.hpp"
#include "sys/root_fs.hpp"

namespace tcptune {

bool PortReturn::reuse_applies(const DestinationKey& d) const {
  return timestamps && (reuse == 1 || (reuse == 2 && (is_loopback(d.remote, d.v4) ||
                                                      is_loopback(d.local, d.v4))));
}

// A closing connection keeps its port 60 s in TIME_WAIT (TCP_TIMEWAIT_LEN), or until connect()
// takes it over when tcp_tw_reuse applies; never more than tcp_max_tw_buckets of them exist.
double PortReturn::closing_ports(double closes_per_s, const DestinationKey& d) const {
  double held = closes_per_s * (reuse_applies(d) ? reuse_delay_s : 60.0);
  if (tw_cap) held = std::min(held, *tw_cap);
  return held;
}

std::int64_t CensusReport::port_capacity() const {
  // The reserved ranges clipped to the range and merged, then the listening ports outside
  // them: no walk of the range's 28,000 ports.
  std::vector<std::pair<int, int>> taken;
  for (const auto& [lo, hi] : range.reserved) {
    int a = std::max(lo, range.low);
    int b = std::min(hi, range.high);
    if (a <= b) taken.emplace_back(a, b);
  }
  std::sort(taken.begin(), taken.end());
  std::int64_t cap = range.high - range.low + 1;
  int covered_to = range.low - 1;  // every port up to here is already counted
  for (const auto& [a, b] : taken) {
    int from = std::max(a, covered_to + 1);
    if (from <= b) cap -= b - from + 1;
    covered_to = std::max(covered_to, b);
  }
  auto reserved = [&](int p) {
    auto it = std::upper_bound(taken.begin(), taken.end(), std::pair<int, int>{p, 65536});
    while (it != taken.begin()) {
      --it;
      if (it->second >= p) return true;
    }
    return false;
  };
  std::vector<std::uint16_t> ports;
  for (const Listener& l : sockets.listeners()) ports.push_back(l.port);
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  for (std::uint16_t p : ports) {
    if (p >= range.low && p <= range.high && sockets.is_listening_port(p) && !reserved(p)) --cap;
  }
  return cap;
}

constexpr double k_time_wait_seconds = 60;  // TCP_TIMEWAIT_LEN: fixed in the kernel

GroupRate CensusReport::rate_of(const Destination& d) const {
  auto it = dest_rates.find(d.key);
  if (it != dest_rates.end()) return it->second;
  GroupRate r;
  r.closes_per_s = r.connects_per_s =
      static_cast<double>(d.states[static_cast<std::size_t>(TcpState::time_wait)]) /
      k_time_wait_seconds;
  return r;
}

GroupRate CensusReport::rate_of(const PortUse& p) const {
  auto it = port_rates.find(p.port);
  if (it != port_rates.end()) return it->second;
  GroupRate r;
  r.closes_per_s = r.connects_per_s =
      static_cast<double>(p.states[static_cast<std::size_t>(TcpState::time_wait)]) /
      k_time_wait_seconds;
  return r;
}

const std::vector<std::string>& rated_counters() {
  static const std::vector<std::string> names{"Tcp.ActiveOpens",
                                              "Tcp.PassiveOpens",
                                              "TcpExt.TW",
                                              "TcpExt.TWRecycled",
                                              "TcpExt.TWKilled",
                                              "TcpExt.TCPTimeWaitOverflow",
                                              "TcpExt.ListenOverflows",
                                              "TcpExt.ListenDrops",
                                              "TcpExt.TCPReqQFullDoCookies",
                                              "TcpExt.TCPReqQFullDrop",
                                              "TcpExt.TCPDeferAcceptDrop",
                                              "TcpExt.SyncookiesSent",
                                              "Tcp.AttemptFails",
                                              "Tcp.EstabResets"};
  return names;
}

double headroom_pct(std::int64_t capacity, std::uint64_t in_use) {
  if (capacity <= 0) return 0.0;
  double free = static_cast<double>(capacity) - static_cast<double>(in_use);
  return free <= 0 ? 0.0 : 100.0 * free / static_cast<double>(capacity);
}

namespace {

constexpr std::size_t k_max_proc_bytes = 1u << 30;  // /proc/net/tcp of a few million sockets

std::map<std::string, std::int64_t> read_counters(const RootFs& fs) {
  std::map<std::string, std::int64_t> out;
  // netstat's value wins over snmp's for a name in both (there is none in Linux 6.x): it is
  // read last.
  for (const char* f : {"/proc/net/snmp", "/proc/net/netstat"}) {
    Result<std::string> t = fs.read_file(f, 1 << 20);
    if (t.ok()) parse_snmp_counters_into(t.value(), out);
  }
  return out;
}

void read_range(const KeySource& keys, CensusReport& rep) {
  KeyRead range = keys.read("net/ipv4/ip_local_port_range");
  if (range.status == KeyStatus::value) {
    auto f = parse_int_fields(range.value);
    if (f && f->size() == 2 && (*f)[0] >= 1 && (*f)[1] <= 65535 && (*f)[0] <= (*f)[1]) {
      rep.range.low = static_cast<int>((*f)[0]);
      rep.range.high = static_cast<int>((*f)[1]);
      rep.range.known = true;
    }
  }
  KeyRead reserved = keys.read("net/ipv4/ip_local_reserved_ports");
  if (reserved.status == KeyStatus::value) {
    rep.range.reserved =
        parse_port_list(reserved.value).value_or(std::vector<std::pair<int, int>>{});
  }
  rep.sockets.set_port_range(rep.range.low, rep.range.high, rep.range.reserved);
  auto int_of = [&](const char* path) -> std::optional<std::int64_t> {
    KeyRead r = keys.read(path);
    if (r.status != KeyStatus::value) return std::nullopt;
    return parse_kernel_int(r.value);  // KeyRead::value is trimmed
  };
  PortReturn& p = rep.port_return;
  p.reuse = static_cast<int>(int_of("net/ipv4/tcp_tw_reuse").value_or(2));
  p.timestamps = int_of("net/ipv4/tcp_timestamps").value_or(1) != 0;
  if (auto d = int_of("net/ipv4/tcp_tw_reuse_delay"); d && *d >= 0)
    p.reuse_delay_s = static_cast<double>(*d) / 1000.0;
  if (auto cap = int_of("net/ipv4/tcp_max_tw_buckets"); cap && *cap >= 0)
    p.tw_cap = static_cast<double>(*cap);
}

void read_facts(const RootFs& fs, CensusReport& rep) {
  rep.counters = read_counters(fs);
  for (const char* f : {"/proc/net/sockstat", "/proc/net/sockstat6"}) {
    Result<std::string> t = fs.read_file(f, 1 << 20);
    if (t.ok()) {
      auto m = parse_sockstat(t.value());
      rep.sockstat.insert(m.begin(), m.end());
    }
  }
}

// Who else sees each socket of a snapshot: the owner sampler, when owners are wanted.
struct SnapshotHooks {
  OwnerSampler* sampler = nullptr;
  const OwnerSampler* earlier = nullptr;
  void add(CensusReport& rep, const SocketRecord& r) const {
    rep.sockets.add(r);
    // The sampler keeps sockets with an inode (full sockets), and asks the earlier snapshot
    // about open ones: a TIME_WAIT mini-socket needs no group key.
    if (sampler != nullptr && (r.inode != 0 || (earlier != nullptr && is_open_state(r.state))))
      sampler->observe(r, group_of(rep.sockets, r), earlier);
  }
  void restart() const {
    if (sampler != nullptr) sampler->restart();
  }
};

Result<void> from_proc(const RootFs& fs, CensusReport& rep, const SnapshotHooks& hooks = {}) {
  hooks.restart();
  bool any = false;
  for (bool v6 : {false, true}) {
    const char* path = v6 ? "/proc/net/tcp6" : "/proc/net/tcp";
    Result<std::string> t = fs.read_file(path, k_max_proc_bytes);
    if (!t.ok()) {
      if (t.error().err == ENOENT && v6) continue;  // no IPv6
      return t.error();
    }
    any = true;
    ProcParseStats st =
        parse_proc_net_tcp(t.value(), v6, [&](const SocketRecord& r) { hooks.add(rep, r); });
    if (st.malformed > 0 && rep.proc_malformed_lines == 0)
      rep.proc_malformed_at = fs.host_path(path) + ":" + std::to_string(st.first_bad_line);
    rep.proc_malformed_lines += st.malformed;
  }
  if (!any) return SysError{ENOENT, fs.host_path("/proc/net/tcp"), ""};
  rep.source = "proc";
  return {};
}

}  // namespace

namespace {

// The live dump of a census: both families in one walk of the kernel's socket tables (the
// legacy request; one walk instead of two takes about a quarter less kernel time), asked for
// when census_into asks for IPv4, so that IPv6 has nothing left. A kernel that refuses the
// legacy request before sending a socket gets one inet_diag_req_v2 dump per family.
DumpFunction live_dump() {
  auto both = std::make_shared<bool>(false);
  return
      [both](
          int family, const std::function<void(const SocketRecord&)>& sink,
          const std::function<void(const std::uint8_t*, std::size_t)>* rec) -> Result<DumpStats> {
        if (family == AF_INET6 && *both) return DumpStats{};
        if (family != AF_INET) return netlink_dump(family, k_all_states, sink, rec);
        *both = false;
        std::size_t seen = 0;
        Result<DumpStats> d = netlink_dump(AF_UNSPEC, k_all_states, sink, rec, &seen);
        if (d.ok()) {
          *both = true;
          return d;
        }
        if (seen != 0 || d.error().err == ENOBUFS) return d;
        return netlink_dump(AF_INET, k_all_states, sink, rec);
      };
}

}  // namespace

Result<CensusReport> take_census(const RootFs& fs, const KeySource& keys, CensusSource source,
                                 std::string* record) {
  DumpFunction dump = [](int family, const std::function<void(const SocketRecord&)>& sink,
                         const std::function<void(const std::uint8_t*, std::size_t)>* rec) {
    return netlink_dump(family, k_all_states, sink, rec);
  };
  return take_census_with(fs, keys, source, dump, record);
}

namespace {

// One snapshot into `rep` (whose aggregator may carry a tracker and earlier listening ports).
Result<void> census_into(const RootFs& fs, const KeySource& keys, CensusSource source,
                         const DumpFunction& dump, std::string* record, CensusReport& rep,
                         const SnapshotHooks& hooks = {}) {
  read_range(keys, rep);
  bool netlink =
      source == CensusSource::netlink || (source == CensusSource::automatic && fs.is_host_root());
  if (netlink) {
    std::function<void(const std::uint8_t*, std::size_t)> rec = [&](const std::uint8_t* p,
                                                                    std::size_t n) {
      record->append(reinterpret_cast<const char*>(p), n);
    };
    auto sink = [&](const SocketRecord& r) { hooks.add(rep, r); };
    SysError failure;
    bool ok = false;
    for (int attempt = 0; attempt < 2 && !ok; ++attempt) {
      rep.sockets.reset();
      hooks.restart();
      if (record != nullptr) record->clear();
      rep.netlink_retries = attempt;
      ok = true;
      for (int family : {AF_INET, AF_INET6}) {
        Result<DumpStats> d = dump(family, sink, record != nullptr ? &rec : nullptr);
        if (!d.ok()) {
          failure = d.error();
          ok = false;
          break;
        }
      }
      if (!ok && failure.err != ENOBUFS) break;  // only an overflow is worth one more try
    }
    if (ok) {
      rep.sockets.order_listeners();
      rep.source = "netlink";
    } else if (source == CensusSource::automatic &&
               (failure.err == EPROTONOSUPPORT || failure.err == ENOENT ||
                failure.err == EOPNOTSUPP)) {
      rep.sockets.reset();
      rep.fallback_reason = "netlink sock_diag is not available (" + failure.message() +
                            "); read /proc/net/tcp instead";
      Result<void> p = from_proc(fs, rep, hooks);
      if (!p.ok()) return p;
    } else {
      if (failure.err == ENOBUFS) {
        failure.detail =
            "the netlink dump overflowed its receive buffer twice (the socket table changes too "
            "fast)";
      }
      return failure;
    }
  } else {
    Result<void> p = from_proc(fs, rep, hooks);
    if (!p.ok()) return p;
  }
  read_facts(fs, rep);
  return {};
}

}  // namespace

Result<CensusReport> take_census_with(const RootFs& fs, const KeySource& keys, CensusSource source,
                                      const DumpFunction& dump, std::string* record) {
  CensusReport rep;
  Result<void> r = census_into(fs, keys, source, dump, record, rep);
  if (!r.ok()) return r.error();
  return rep;
}

Result<CensusReport> census_from_recording(const std::string& bytes) {
  CensusReport rep;
  rep.source = "recording";
  // A recording is the reply buffers of two dumps (IPv4, IPv6) back to back: go on after
  // each NLMSG_DONE. Copy to aligned memory first: netlink messages are 4-byte aligned.
  std::vector<std::uint32_t> aligned((bytes.size() + 3) / 4);
  if (!bytes.empty()) std::memcpy(aligned.data(), bytes.data(), bytes.size());
  const auto* p = reinterpret_cast<const std::uint8_t*>(aligned.data());
  std::size_t off = 0;
  int dumps = 0;
  while (off < bytes.size()) {
    DiagResult r = parse_diag_buffer(p + off, bytes.size() - off, 0, 0,
                                     [&](const SocketRecord& s) { rep.sockets.add(s); });
    if (r.status == DiagStatus::error)
      return SysError{r.err, "recording",
                      "malformed netlink data in the dump starting at byte " + std::to_string(off)};
    if (r.status != DiagStatus::done) {
      return SysError{EBADMSG, "recording",
                      "the dump starting at byte " + std::to_string(off) +
                          " has no NLMSG_DONE (truncated recording?)"};
    }
    ++dumps;
    off += r.consumed;
  }
  if (dumps == 0) return SysError{EBADMSG, "recording", "no complete netlink dump in it"};
  return rep;
}

namespace {

using Clock = std::chrono::steady_clock;

void pause(const Sleeper& sleep, double seconds) {
  if (sleep) {
    sleep(seconds);
  } else {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::int64_t counter_delta(const std::map<std::string, std::int64_t>& a,
                           const std::map<std::string, std::int64_t>& b, const std::string& name) {
  auto x = a.find(name);
  auto y = b.find(name);
  if (x == a.end() || y == b.end() || y->second < x->second) return 0;
  return y->second - x->second;
}

// Something worth a second snapshot: at least one close a second in the TIME_WAIT pool (60 s
// worth of closes), handshakes or accept queues in flight, or opens, drops or resets counted
// while the first census ran.
std::string busy_reason(const CensusReport& rep, const std::map<std::string, std::int64_t>& before,
                        const std::map<std::string, std::int64_t>& after) {
  const CensusAggregator& s = rep.sockets;
  if (s.timewait_pool() >= 60) return "TIME_WAIT";
  if (s.state_total(static_cast<int>(TcpState::syn_recv)) > 0) return "SYN_RECV";
  for (const Listener& l : s.listeners()) {
    if (l.queue > 0) return "accept queue";
  }
  for (const std::string& name : rated_counters()) {
    if (counter_delta(before, after, name) > 0) return name;
  }
  return "";
}

// Connections the census could not see (opened and gone between the snapshots) are in the
// kernel's counters: ActiveOpens for the client side, PassiveOpens for the server side. They go
// to a group only where no other group can have them: the server side with one listening port
// (every accepted connection came through it). Anywhere else the census cannot know where they
// went -- a client's short connections to one destination vanish without a trace while a pool
// to another sits still -- and the side's rates are lower bounds when the census saw less than
// 90 % of the counter.
void reconcile_server(RateTracker& t, std::int64_t opened, const std::bitset<65536>& listening) {
  if (listening.count() != 1) return;
  GroupKey g;
  g.side = GroupSide::server;
  for (std::size_t p = 0; p < listening.size(); ++p) {
    if (listening.test(p)) g.dest.remote_port = static_cast<std::uint16_t>(p);
  }
  const std::uint32_t idx = t.group(g);
  std::uint64_t seen = 0;
  for (const auto& [key, i] : t.groups())
    if (key.side == GroupSide::server) seen += t.counts(i).connects;
  if (opened <= 0 || static_cast<std::uint64_t>(opened) <= seen) return;
  const std::uint64_t missed = static_cast<std::uint64_t>(opened) - seen;
  GroupCounts& c = t.counts(idx);
  c.connects += missed;
  c.closes += missed;  // gone by the second snapshot: closed too
}

// When a destination runs out of local ports, from two snapshots. Its ports level off at the
// open connections plus what its closes hold (PortReturn::closing_ports). So a steady close
// rate runs out only when that level is over the capacity, and then at the growth measured;
// open connections that keep piling up (opened, never closed) run out at their own growth. A
// count that will level off below the capacity is no shortage, however fast it grows now.
void project_exhaustion(GroupRate& g, const GroupCounts& c, const DestinationKey& dest,
                        double window, std::int64_t capacity, const PortReturn& ret) {
  const double closing = ret.closing_ports(g.closes_per_s, dest);
  const double cap = static_cast<double>(capacity);
  const double open = static_cast<double>(c.open_after);
  // Three more open connections at least: one socket more or less is noise, not a leak.
  if (c.open_after >= c.open_before + 3) {
    g.ports_per_s = static_cast<double>(c.open_after - c.open_before) / window;
    const double free = cap - open - closing;
    g.seconds_to_exhaustion = free > 0 ? free / g.ports_per_s : 0.0;
    return;
  }
  if (open + closing < cap) return;
  const double growth = (static_cast<double>(c.after) - static_cast<double>(c.before)) / window;
  if (growth <= 0) return;
  g.ports_per_s = growth;
  const double free = cap - static_cast<double>(c.after);
  g.seconds_to_exhaustion = free > 0 ? free / growth : 0.0;
}

// This network namespace's own addresses (every interface, up or down): a connection between
// two of them never leaves the host. None when they cannot be listed.
std::vector<HostAddress> host_addresses() {
  std::vector<HostAddress> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr) continue;
    HostAddress h;
    if (i->ifa_addr->sa_family == AF_INET) {
      sockaddr_in a{};
      std::memcpy(&a, i->ifa_addr, sizeof a);
      std::memcpy(h.addr.data(), &a.sin_addr, 4);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      sockaddr_in6 a{};
      std::memcpy(&a, i->ifa_addr, sizeof a);
      h.v4 = false;
      std::memcpy(h.addr.data(), &a.sin6_addr, 16);
    } else {
      continue;
    }
    out.push_back(h);
  }
  ::freeifaddrs(list);
  return out;
}

std::vector<GroupKey> owner_groups(const SampleRequest& req, const CensusReport& snapshot) {
  return req.owner_groups ? req.owner_groups(snapshot)
                          : select_owner_groups(snapshot.sockets, req.owner_top);
}

}  // namespace

Result<CensusReport> take_sampled_census(const RootFs& fs, const KeySource& keys,
                                         CensusSource source, const SampleRequest& req,
                                         const Sleeper& sleep) {
  DumpFunction dump = live_dump();
  RateTracker tracker;
  CensusReport first;
  // The first snapshot's identities are kept only when a second snapshot may follow.
  const bool may_compare = fs.is_host_root() && req.seconds > 0;
  if (may_compare) first.sockets.set_tracker(&tracker);
  if (fs.is_host_root()) first.sockets.set_local_addresses(host_addresses);
  OwnerSampler sampler0;
  SnapshotHooks hooks0;
  if (req.owners) hooks0.sampler = &sampler0;
  Clock::time_point t0 = Clock::now();
  Result<void> r = census_into(fs, keys, source, dump, nullptr, first, hooks0);
  if (!r.ok()) return r.error();
  first.sockets.set_tracker(nullptr);
  Clock::time_point c0 = Clock::now();  // counters are read right after the dump
  std::map<std::string, std::int64_t> counters0 = first.counters;

  std::string why_one;
  if (!fs.is_host_root()) {
    why_one = "a --root tree is one moment";
  } else if (req.seconds <= 0) {
    why_one = "--sample 0";
  } else if (req.automatic) {
    // The probe: counters again, at least 50 ms after the first reading (at 20 connections a
    // second a 50 ms probe sees one with probability 1 - e^-1; slower traffic does not move
    // any port or queue figure).
    double spent = seconds_between(t0, Clock::now());
    if (spent < 0.05) pause(sleep, 0.05 - spent);
    std::string busy = busy_reason(first, counters0, read_counters(fs));
    if (busy.empty()) why_one = "idle: no TIME_WAIT, handshakes or counter movement to rate";
  }
  const std::string proc_dir = fs.host_path("/proc");
  const std::string cgroup_dir = fs.host_path("/sys/fs/cgroup");
  if (!why_one.empty()) {
    first.sample.why_one = why_one;
    if (req.owners) {
      std::vector<GroupKey> groups = owner_groups(req, first);
      InodeOwners found =
          lookup_sample_owners(proc_dir, groups, sampler0, first.owner_stats, cgroup_dir);
      first.owners = attribute_owners(groups, sampler0, found, nullptr, nullptr);
    }
    return first;
  }
  // The first snapshot's owners are looked up now: its connections that close in the window
  // are gone by the second.
  std::vector<GroupKey> groups0;
  InodeOwners found0;
  OwnerLookupStats stats;
  if (req.owners) {
    groups0 = owner_groups(req, first);
    found0 = lookup_sample_owners(proc_dir, groups0, sampler0, stats, cgroup_dir);
  }

  tracker.end_baseline();
  double wait = req.seconds - seconds_between(t0, Clock::now());
  if (wait > 0) pause(sleep, wait);
  const std::bitset<65536> first_listening = first.sockets.listening_ports();
  CensusReport rep;
  // The second snapshot reuses the first's tables (census_into resets their contents).
  rep.sockets = std::move(first.sockets);
  rep.sockets.add_listening_ports(first_listening);
  rep.sockets.set_tracker(&tracker);
  OwnerSampler sampler1;
  SnapshotHooks hooks1;
  if (req.owners) {
    hooks1.sampler = &sampler1;
    hooks1.earlier = &sampler0;
  }
  Clock::time_point t1 = Clock::now();
  r = census_into(fs, keys, source, dump, nullptr, rep, hooks1);
  if (!r.ok()) return r.error();
  Clock::time_point c1 = Clock::now();
  rep.sockets.set_tracker(nullptr);
  rep.baseline_bytes = tracker.baseline_bytes();
  tracker.end_compare();

  double window = seconds_between(t0, t1);
  double counter_window = seconds_between(c0, c1);
  if (window <= 0) window = 1e-3;
  if (counter_window <= 0) counter_window = window;
  rep.sample.two_snapshots = true;
  rep.sample.seconds = window;
  for (const std::string& name : rated_counters()) {
    if (counters0.count(name) == 0 || rep.counters.count(name) == 0) continue;
    rep.rates[name.substr(name.find('.') + 1)] =
        static_cast<double>(counter_delta(counters0, rep.counters, name)) / counter_window;
  }
  // The counters' window is the census window up to the dump times; scale to the census one.
  auto opened = [&](const char* name) {
    double per_s =
        static_cast<double>(counter_delta(counters0, rep.counters, name)) / counter_window;
    return static_cast<std::int64_t>(per_s * window + 0.5);
  };
  std::int64_t active = opened("Tcp.ActiveOpens");
  std::int64_t passive = opened("Tcp.PassiveOpens");
  std::bitset<65536> listening = first_listening | rep.sockets.listening_ports();
  reconcile_server(tracker, passive, listening);

  std::uint64_t seen_client = 0;
  std::uint64_t seen_server = 0;
  for (const auto& [key, idx] : tracker.groups())
    (key.side == GroupSide::server ? seen_server : seen_client) += tracker.counts(idx).connects;
  // Below 90 % of what the kernel counted, the census missed connections it cannot attribute.
  auto complete = [](std::uint64_t seen, std::int64_t counted) {
    return counted <= 0 || static_cast<double>(seen) >= 0.9 * static_cast<double>(counted);
  };
  bool client_ok = complete(seen_client, active);
  bool server_ok = complete(seen_server, passive);
  std::int64_t capacity = rep.port_capacity();
  for (const auto& [key, idx] : tracker.groups()) {
    const GroupCounts& c = tracker.counts(idx);
    GroupRate g;
    g.connects_per_s = static_cast<double>(c.connects) / window;
    g.closes_per_s = static_cast<double>(c.closes) / window;
    g.measured = key.side == GroupSide::server ? server_ok : client_ok;
    if (key.side == GroupSide::server) {
      rep.port_rates[key.dest.remote_port] = g;
      continue;
    }
    project_exhaustion(g, c, key.dest, window, capacity, rep.port_return);
    rep.dest_rates[key.dest] = g;
  }
  rep.sample.seconds = window;
  if (req.owners) {
    sampler0.mark_closed_against(sampler1);
    std::vector<GroupKey> groups = owner_groups(req, rep);
    InodeOwners found1 = lookup_sample_owners(proc_dir, groups, sampler1, stats, cgroup_dir);
    rep.owners = attribute_owners(groups, sampler1, found1, &sampler0, &found0);
    rep.owner_stats = stats;
  }
  return rep;
}

}  // namespace tcptune
