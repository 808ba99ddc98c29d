#include "census/census.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "census/counters.hpp"
#include "census/diag_parser.hpp"
#include "census/netlink_dump.hpp"
#include "census/proc_net_tcp.hpp"
#include "core/key_source.hpp"
#include "engine/value_check.hpp"
#include "sys/root_fs.hpp"

namespace tcptune {

std::int64_t CensusReport::port_capacity() const {
  std::int64_t cap = range.high - range.low + 1;
  for (int p = range.low; p <= range.high; ++p) {
    bool reserved = false;
    for (const auto& [lo, hi] : range.reserved) reserved = reserved || (p >= lo && p <= hi);
    if (reserved || sockets.is_listening_port(static_cast<std::uint16_t>(p))) --cap;
  }
  return cap;
}

double headroom_pct(std::int64_t capacity, std::uint64_t in_use) {
  if (capacity <= 0) return 0.0;
  double free = static_cast<double>(capacity) - static_cast<double>(in_use);
  return free <= 0 ? 0.0 : 100.0 * free / static_cast<double>(capacity);
}

namespace {

constexpr std::size_t k_max_proc_bytes = 1u << 30;  // /proc/net/tcp of a few million sockets

void read_facts(const RootFs& fs, const KeySource& keys, CensusReport& rep) {
  for (const char* f : {"/proc/net/netstat", "/proc/net/snmp"}) {
    Result<std::string> t = fs.read_file(f, 1 << 20);
    if (t.ok()) {
      auto m = parse_snmp_counters(t.value());
      rep.counters.insert(m.begin(), m.end());
    }
  }
  for (const char* f : {"/proc/net/sockstat", "/proc/net/sockstat6"}) {
    Result<std::string> t = fs.read_file(f, 1 << 20);
    if (t.ok()) {
      auto m = parse_sockstat(t.value());
      rep.sockstat.insert(m.begin(), m.end());
    }
  }
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
}

Result<bool> from_proc(const RootFs& fs, CensusReport& rep) {
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
        parse_proc_net_tcp(t.value(), v6, [&](const SocketRecord& r) { rep.sockets.add(r); });
    rep.proc_malformed_lines += st.malformed;
  }
  if (!any) return SysError{ENOENT, fs.host_path("/proc/net/tcp"), ""};
  rep.source = "proc";
  return true;
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

Result<CensusReport> take_census_with(const RootFs& fs, const KeySource& keys, CensusSource source,
                                      const DumpFunction& dump, std::string* record) {
  CensusReport rep;
  bool netlink =
      source == CensusSource::netlink || (source == CensusSource::automatic && fs.is_host_root());
  if (netlink) {
    std::function<void(const std::uint8_t*, std::size_t)> rec = [&](const std::uint8_t* p,
                                                                    std::size_t n) {
      record->append(reinterpret_cast<const char*>(p), n);
    };
    auto sink = [&](const SocketRecord& r) { rep.sockets.add(r); };
    SysError failure;
    bool ok = false;
    for (int attempt = 0; attempt < 2 && !ok; ++attempt) {
      rep.sockets.reset();
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
      rep.source = "netlink";
    } else if (source == CensusSource::automatic &&
               (failure.err == EPROTONOSUPPORT || failure.err == ENOENT ||
                failure.err == EOPNOTSUPP)) {
      rep.sockets.reset();
      rep.fallback_reason = "netlink sock_diag is not available (" + failure.message() +
                            "); read /proc/net/tcp instead";
      Result<bool> p = from_proc(fs, rep);
      if (!p.ok()) return p.error();
    } else {
      if (failure.err == ENOBUFS) {
        failure.detail =
            "the netlink dump overflowed its receive buffer twice (the socket table changes too "
            "fast)";
      }
      return failure;
    }
  } else {
    Result<bool> p = from_proc(fs, rep);
    if (!p.ok()) return p.error();
  }
  read_facts(fs, keys, rep);
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

}  // namespace tcptune
