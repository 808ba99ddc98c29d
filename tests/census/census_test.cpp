// Census parsers and aggregation: /proc/net/tcp{,6} (IPv4, IPv6, v4-mapped, request sockets),
// netlink replies (recorded and hand-made, well-formed and not), the ENOBUFS retry and the
// sock_diag fallback, the counter files, and the port capacity arithmetic.

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "census/census.hpp"
#include "census/counters.hpp"
#include "census/diag_parser.hpp"
#include "census/proc_net_tcp.hpp"
#include "sys/proc_sys.hpp"
#include "sys/root_fs.hpp"
#include "test_support.hpp"

using namespace tcptune;

namespace {

std::vector<SocketRecord> parse_proc(const std::string& text, bool v6,
                                     ProcParseStats* st = nullptr) {
  std::vector<SocketRecord> out;
  ProcParseStats s = parse_proc_net_tcp(text, v6, [&](const SocketRecord& r) { out.push_back(r); });
  if (st != nullptr) *st = s;
  return out;
}

const std::string k_header =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";

// One netlink message holding an inet_diag_msg (or `payload` bytes of it).
void put_diag(std::vector<std::uint8_t>& buf, std::uint8_t family, std::uint8_t state,
              const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport,
              std::size_t payload = sizeof(inet_diag_msg)) {
  inet_diag_msg m{};
  m.idiag_family = family;
  m.idiag_state = state;
  m.id.idiag_sport = htons(sport);
  m.id.idiag_dport = htons(dport);
  REQUIRE(inet_pton(family, src, m.id.idiag_src) == 1);
  REQUIRE(inet_pton(family, dst, m.id.idiag_dst) == 1);
  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(payload));
  h.nlmsg_type = 20;  // SOCK_DIAG_BY_FAMILY
  h.nlmsg_flags = NLM_F_MULTI;
  std::size_t at = buf.size();
  buf.resize(at + NLMSG_ALIGN(h.nlmsg_len), 0);
  std::memcpy(buf.data() + at, &h, sizeof h);
  std::memcpy(buf.data() + at + NLMSG_HDRLEN, &m, std::min(payload, sizeof m));
}

void put_done(std::vector<std::uint8_t>& buf) {
  nlmsghdr h{};
  h.nlmsg_len = NLMSG_LENGTH(sizeof(int));
  h.nlmsg_type = NLMSG_DONE;
  h.nlmsg_flags = NLM_F_MULTI;
  std::size_t at = buf.size();
  buf.resize(at + NLMSG_ALIGN(h.nlmsg_len), 0);
  std::memcpy(buf.data() + at, &h, sizeof h);
}

void put_error(std::vector<std::uint8_t>& buf, int err) {
  nlmsghdr h{};
  h.nlmsg_len = NLMSG_LENGTH(sizeof(nlmsgerr));
  h.nlmsg_type = NLMSG_ERROR;
  nlmsgerr e{};
  e.error = -err;
  std::size_t at = buf.size();
  buf.resize(at + NLMSG_ALIGN(h.nlmsg_len), 0);
  std::memcpy(buf.data() + at, &h, sizeof h);
  std::memcpy(buf.data() + at + NLMSG_HDRLEN, &e, sizeof e);
}

DiagResult parse(const std::vector<std::uint8_t>& buf, std::vector<SocketRecord>* out = nullptr) {
  // Copy to 4-byte aligned memory, as a recv() buffer would be.
  std::vector<std::uint32_t> aligned((buf.size() + 3) / 4);
  if (!buf.empty()) std::memcpy(aligned.data(), buf.data(), buf.size());
  return parse_diag_buffer(reinterpret_cast<const std::uint8_t*>(aligned.data()), buf.size(), 0, 0,
                           [&](const SocketRecord& r) {
                             if (out != nullptr) out->push_back(r);
                           });
}

std::string census_mix() { return test::fixture("census-mix"); }

// The exact mix the live test builds (tests/fixtures/census-mix/README.md).
void check_mix(const CensusReport& rep) {
  const CensusAggregator& s = rep.sockets;
  CHECK(s.total() == 21);
  CHECK(s.states(IpFamily::v4)[1] == 6);   // ESTABLISHED IPv4
  CHECK(s.states(IpFamily::v6)[1] == 2);   // ESTABLISHED IPv6
  CHECK(s.states(IpFamily::v4)[5] == 2);   // FIN_WAIT2 (orphans, in the TIME_WAIT pool)
  CHECK(s.states(IpFamily::v4)[6] == 6);   // TIME_WAIT
  CHECK(s.states(IpFamily::v4)[8] == 2);   // CLOSE_WAIT
  CHECK(s.states(IpFamily::v4)[10] == 2);  // LISTEN
  CHECK(s.states(IpFamily::v6)[10] == 1);
  CHECK(s.timewait_pool() == 8);
  CHECK(s.orphan_fin_wait2() == 2);
  CHECK(s.server_time_wait() == 2);
  CHECK(s.client_time_wait() == 4);
  CHECK(s.listeners().size() == 3);
  auto dest = s.destinations();
  REQUIRE(dest.size() == 3);
  CHECK(dest[0].key.remote_port == 5000);
  CHECK(dest[0].sockets == 7);
  CHECK(count_of(dest[0].states, TcpState::time_wait) == 4);
  CHECK(dest[1].key.remote_port == 5001);
  CHECK(dest[1].sockets == 2);
  CHECK(dest[2].key.remote_port == 5002);
  CHECK_FALSE(dest[2].key.v4);
  auto ports = s.server_ports();
  REQUIRE(ports.size() == 3);
  CHECK(ports[0].port == 5000);
  CHECK(ports[0].states[1] == 3);
  CHECK(count_of(ports[0].states, TcpState::time_wait) == 2);
  CHECK(ports[1].port == 5001);
  CHECK(ports[1].states[5] == 2);
}

}  // namespace

TEST_CASE("/proc/net/tcp: IPv4 addresses, host-order ports, states and queues") {
  ProcParseStats st;
  auto recs = parse_proc(k_header +
                             "   0: 0100007F:1388 00000000:0000 0A 00000000:00000005 00:00000000 "
                             "00000000     0        "
                             "0 84396 1 000000002d2600fa 100 0 0 10 0\n"
                             "   1: 0A00000A:9C40 0500000A:0CEA 06 00000000:00000000 03:00001756 "
                             "00000000     0        "
                             "0 0 3 000000004d2246a6\n",
                         false, &st);
  CHECK(st.malformed == 0);
  REQUIRE(recs.size() == 2);
  CHECK(address_text(recs[0].local, true) == "127.0.0.1");
  CHECK(recs[0].local_port == 5000);
  CHECK(recs[0].state == 10);
  CHECK(recs[0].rqueue == 5);
  CHECK(recs[0].wqueue == 0);  // /proc has no backlog maximum
  CHECK(recs[0].inode == 84396);
  CHECK(address_text(recs[1].local, true) == "10.0.0.10");
  CHECK(address_text(recs[1].remote, true) == "10.0.0.5");
  CHECK(recs[1].local_port == 40000);
  CHECK(recs[1].remote_port == 3306);
  CHECK(recs[1].state == 6);
  CHECK(recs[1].timer == 3);
  CHECK(recs[1].v4);
}

TEST_CASE("/proc/net/tcp6: IPv6, v4-mapped pairs fold to IPv4, request sockets print 03") {
  ProcParseStats st;
  auto recs = parse_proc(
      k_header +
          // [::1]:5002 listening
          "   0: 00000000000000000000000001000000:138A 00000000000000000000000000000000:0000 0A "
          "00000000:00000000 00:00000000 00000000     0        0 84398 1 0 100 0 0 10 0\n"
          // ::ffff:127.0.0.1:8080 <- ::ffff:127.0.0.1:50000 ESTABLISHED
          "   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:C350 01 "
          "00000000:00000000 00:00000000 00000000     0        0 5 1 0 20 0 0 10 -1\n"
          // a request socket (NEW_SYN_RECV) prints state 03
          "   2: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000A00000A:D431 03 "
          "00000000:00000000 01:00000060 00000000     0        0 0 0 0\n",
      true, &st);
  CHECK(st.malformed == 0);
  REQUIRE(recs.size() == 3);
  CHECK(address_text(recs[0].local, false) == "::1");
  CHECK_FALSE(recs[0].v4);
  CHECK(recs[0].family == AF_INET6);
  CHECK(recs[1].v4);
  CHECK(address_text(recs[1].local, true) == "127.0.0.1");
  CHECK(recs[1].local_port == 8080);
  CHECK(recs[1].remote_port == 50000);
  CHECK(recs[2].state == 3);
  CHECK(address_text(recs[2].remote, true) == "10.0.0.10");
}

TEST_CASE("/proc/net/tcp: malformed lines are counted and skipped, never fatal") {
  ProcParseStats st;
  auto recs =
      parse_proc(k_header +
                     "   0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 "
                     "00000000 0 0 1 1 0\n"
                     "   1: 0100007F 00000000:0000 0A 00000000:00000000 00:00000000 "
                     "00000000 0 0 1\n"                                         // no port
                     "   2: 0100007F:1388 00000000:0000 0D 0:0 0:0 0 0 0 1\n"   // state 13
                     "   3: 0100007F:13889 00000000:0000 0A 0:0 0:0 0 0 0 1\n"  // port > 16 bits
                     "   4: 0100007G:1388 00000000:0000 0A 0:0 0:0 0 0 0 1\n"   // not hex
                     "   5: short line\n"
                     "\n",
                 false, &st);
  CHECK(recs.size() == 1);
  CHECK(st.malformed == 5);
  CHECK(st.first_bad_line == 3);
  // An IPv6 address in the IPv4 file is malformed too.
  auto v6in4 = parse_proc(k_header +
                              "   0: 00000000000000000000000001000000:138A "
                              "00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 1\n",
                          false, &st);
  CHECK(v6in4.empty());
  CHECK(st.malformed == 1);
}

TEST_CASE("census-mix: /proc/net files under --root give the exact mix") {
  RootFs fs(census_mix());
  ProcSys proc(fs);
  Result<CensusReport> rep = take_census(fs, proc, CensusSource::automatic);
  REQUIRE(rep.ok());
  CHECK(rep.value().source == "proc");
  check_mix(rep.value());
  CHECK(rep.value().sockstat.at("TCP.tw") == 8);  // TIME_WAIT + orphaned FIN_WAIT2
  CHECK(rep.value().range.known);
  CHECK(rep.value().range.low == 32768);
  CHECK(rep.value().port_capacity() == 28232);
}

TEST_CASE("census-mix: the recorded netlink replies give the same mix") {
  Result<std::string> bytes = read_plain_file(census_mix() + "/mix.nl", 1 << 20);
  REQUIRE(bytes.ok());
  Result<CensusReport> rep = census_from_recording(bytes.value());
  REQUIRE(rep.ok());
  check_mix(rep.value());
  // The netlink dump knows each listener's backlog.
  for (const Listener& l : rep.value().sockets.listeners()) CHECK(l.queue_max == 128);

  SUBCASE("a truncated recording is an error, not a smaller census") {
    Result<CensusReport> cut =
        census_from_recording(bytes.value().substr(0, bytes.value().size() - 30));
    REQUIRE_FALSE(cut.ok());
    CHECK(cut.error().err == EBADMSG);
  }
  SUBCASE("one dump only (no IPv6 part) still parses") {
    DiagResult first = parse(std::vector<std::uint8_t>(bytes.value().begin(), bytes.value().end()));
    CHECK(first.status == DiagStatus::done);
    CHECK(first.consumed < bytes.value().size());
    Result<CensusReport> v4 = census_from_recording(bytes.value().substr(0, first.consumed));
    REQUIRE(v4.ok());
    CHECK(v4.value().sockets.total() == 18);
  }
  SUBCASE("an empty recording is an error") { CHECK_FALSE(census_from_recording("").ok()); }
}

TEST_CASE("netlink replies: records, NLMSG_DONE, NLMSG_ERROR and malformed buffers") {
  std::vector<std::uint8_t> buf;
  put_diag(buf, AF_INET, 6, "10.0.0.10", 40000, "10.0.0.5", 3306);
  put_diag(buf, AF_INET6, 12, "::ffff:10.0.0.10", 8080, "::ffff:10.0.0.7", 50000);
  put_diag(buf, AF_INET6, 1, "2001:db8::1", 443, "2001:db8::2", 60000);

  SUBCASE("a part of a multi-part reply: more to come") {
    std::vector<SocketRecord> out;
    DiagResult r = parse(buf, &out);
    CHECK(r.status == DiagStatus::more);
    CHECK(r.sockets == 3);
    REQUIRE(out.size() == 3);
    CHECK(out[0].remote_port == 3306);
    CHECK(out[1].state == 3);  // NEW_SYN_RECV folds into SYN_RECV
    CHECK(out[1].v4);          // v4-mapped
    CHECK(address_text(out[1].remote, true) == "10.0.0.7");
    CHECK_FALSE(out[2].v4);
    CHECK(address_text(out[2].local, false) == "2001:db8::1");
  }
  SUBCASE("NLMSG_DONE ends the dump and says where") {
    put_done(buf);
    std::size_t done_end = buf.size();
    put_diag(buf, AF_INET, 1, "10.0.0.1", 1, "10.0.0.2", 2);  // a second dump behind it
    DiagResult r = parse(buf);
    CHECK(r.status == DiagStatus::done);
    CHECK(r.sockets == 3);
    CHECK(r.consumed == done_end);
  }
  SUBCASE("NLMSG_ERROR carries the kernel's errno") {
    std::vector<std::uint8_t> e;
    put_error(e, ENOENT);
    DiagResult r = parse(e);
    CHECK(r.status == DiagStatus::error);
    CHECK(r.err == ENOENT);
  }
  SUBCASE("a message cut short is EBADMSG") {
    buf.resize(buf.size() - 8);
    DiagResult r = parse(buf);
    CHECK(r.status == DiagStatus::error);
    CHECK(r.err == EBADMSG);
  }
  SUBCASE("a payload smaller than inet_diag_msg is EBADMSG") {
    std::vector<std::uint8_t> b;
    put_diag(b, AF_INET, 1, "10.0.0.1", 1, "10.0.0.2", 2, 16);
    DiagResult r = parse(b);
    CHECK(r.status == DiagStatus::error);
    CHECK(r.err == EBADMSG);
  }
  SUBCASE("a header whose length is below the header size is EBADMSG") {
    std::vector<std::uint8_t> b(32, 0);
    b[0] = 4;  // nlmsg_len = 4
    DiagResult r = parse(b);
    CHECK(r.status == DiagStatus::error);
    CHECK(r.err == EBADMSG);
  }
  SUBCASE("records of other families are skipped") {
    std::vector<std::uint8_t> b;
    put_diag(b, AF_INET, 1, "10.0.0.1", 1, "10.0.0.2", 2);
    b[NLMSG_HDRLEN] = AF_UNIX;
    std::vector<SocketRecord> out;
    DiagResult r = parse(b, &out);
    CHECK(r.status == DiagStatus::more);
    CHECK(out.empty());
  }
  SUBCASE("an empty buffer is no error") { CHECK(parse({}).status == DiagStatus::more); }
}

namespace {

// A dump that replays hand-made records per family and fails as told.
struct ScriptedDump {
  std::vector<int> fail_with;  // per call, 0 = succeed
  int calls = 0;
  Result<DumpStats> operator()(int family, const std::function<void(const SocketRecord&)>& sink,
                               const std::function<void(const std::uint8_t*, std::size_t)>*) {
    int err =
        calls < static_cast<int>(fail_with.size()) ? fail_with[static_cast<std::size_t>(calls)] : 0;
    ++calls;
    std::vector<std::uint8_t> buf;
    if (family == AF_INET) {
      put_diag(buf, AF_INET, 10, "0.0.0.0", 80, "0.0.0.0", 0);
      put_diag(buf, AF_INET, 6, "10.0.0.10", 80, "10.0.0.99", 50000);
    } else {
      put_diag(buf, AF_INET6, 1, "2001:db8::1", 50001, "2001:db8::2", 443);
    }
    // A failure half-way: the sink has seen part of the table already.
    DiagResult r =
        parse_diag_buffer(buf.data(), err != 0 ? buf.size() / 2 : buf.size(), 0, 0, sink);
    if (err != 0) return SysError{err, "NETLINK_SOCK_DIAG", "scripted"};
    DumpStats st;
    st.sockets = r.sockets;
    return st;
  }
};

}  // namespace

TEST_CASE("live census: ENOBUFS starts over once, then fails; no sock_diag falls back") {
  RootFs fs(census_mix());
  ProcSys proc(fs);
  auto run = [&](ScriptedDump& d, CensusSource src) {
    return take_census_with(
        fs, proc, src, [&](int f, const auto& sink, const auto* rec) { return d(f, sink, rec); });
  };
  SUBCASE("one overflow: the census restarts from zero and is exact") {
    ScriptedDump d{{0, ENOBUFS}};  // IPv4 fine, IPv6 overflows; then both fine
    Result<CensusReport> rep = run(d, CensusSource::netlink);
    REQUIRE(rep.ok());
    CHECK(d.calls == 4);
    CHECK(rep.value().netlink_retries == 1);
    CHECK(rep.value().source == "netlink");
    CHECK(rep.value().sockets.total() == 3);  // nothing counted twice
    CHECK(rep.value().sockets.server_time_wait() == 1);
  }
  SUBCASE("two overflows: exit 3 material with a clear message") {
    ScriptedDump d{{ENOBUFS, ENOBUFS}};
    Result<CensusReport> rep = run(d, CensusSource::netlink);
    REQUIRE_FALSE(rep.ok());
    CHECK(d.calls == 2);
    CHECK(rep.error().err == ENOBUFS);
    CHECK(rep.error().message().find("overflowed its receive buffer twice") != std::string::npos);
  }
  SUBCASE("other errors are not retried") {
    ScriptedDump d{{EACCES}};
    Result<CensusReport> rep = run(d, CensusSource::netlink);
    REQUIRE_FALSE(rep.ok());
    CHECK(d.calls == 1);
    CHECK(rep.error().err == EACCES);
  }
  SUBCASE("--source netlink on a kernel without sock_diag fails, no silent fallback") {
    ScriptedDump d{{EPROTONOSUPPORT}};
    Result<CensusReport> rep = run(d, CensusSource::netlink);
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.error().err == EPROTONOSUPPORT);
  }
}

TEST_CASE("live census: a kernel without sock_diag falls back to /proc/net/tcp and says so") {
  RootFs fs("/");  // reads the host's /proc/net files only
  ProcSys proc(fs);
  for (int err : {EPROTONOSUPPORT, ENOENT, EOPNOTSUPP}) {
    ScriptedDump d{{err}};
    Result<CensusReport> rep =
        take_census_with(fs, proc, CensusSource::automatic,
                         [&](int f, const auto& sink, const auto* rec) { return d(f, sink, rec); });
    REQUIRE(rep.ok());
    CHECK(rep.value().source == "proc");
    CHECK(rep.value().fallback_reason.find("netlink sock_diag is not available") !=
          std::string::npos);
  }
}

TEST_CASE("counters: /proc/net/netstat, snmp and sockstat") {
  auto c = parse_snmp_counters(
      "TcpExt: SyncookiesSent TW TWRecycled TCPTimeWaitOverflow\n"
      "TcpExt: 0 5200 0 17\n"
      "Tcp: RtoAlgorithm ActiveOpens CurrEstab\n"
      "Tcp: 1 99 130\n"
      "IpExt: A B\n"
      "IpExt: 1\n");  // mismatched: skipped
  CHECK(c.at("TcpExt.TW") == 5200);
  CHECK(c.at("TcpExt.TCPTimeWaitOverflow") == 17);
  CHECK(c.at("Tcp.CurrEstab") == 130);
  CHECK(c.count("IpExt.A") == 0);
  CHECK(c.size() == 7);
  // Into a map that has some already: the text's values win, the rest stay.
  std::map<std::string, std::int64_t> merged{{"TcpExt.TW", 1}, {"Udp.InDatagrams", 4}};
  parse_snmp_counters_into("Header line without values\nTcpExt: TW Y\nTcpExt: 9 3\n\n", merged);
  CHECK(merged == std::map<std::string, std::int64_t>{
                      {"TcpExt.TW", 9}, {"TcpExt.Y", 3}, {"Udp.InDatagrams", 4}});
  auto s = parse_sockstat(
      "sockets: used 300\n"
      "TCP: inuse 130 orphan 300 tw 5200 alloc 500 mem 40 extra 1\n"
      "TCP6: inuse 3\n");
  CHECK(s.at("TCP.tw") == 5200);
  CHECK(s.at("TCP.orphan") == 300);
  CHECK(s.at("TCP6.inuse") == 3);
  CHECK(s.at("TCP.extra") == 1);
  for (const char* name :
       {"TcpExt.TW", "TcpExt.TWRecycled", "TcpExt.TWKilled", "TcpExt.TCPTimeWaitOverflow",
        "TcpExt.PAWSPassive", "TcpExt.PAWSEstab", "TcpExt.ListenOverflows", "TcpExt.ListenDrops",
        "TcpExt.TCPAbortOnMemory", "Tcp.ActiveOpens", "Tcp.PassiveOpens", "Tcp.CurrEstab"}) {
    const auto& l = reported_counters_list();
    CHECK_MESSAGE(std::find(l.begin(), l.end(), name) != l.end(), name);
  }
}

TEST_CASE("port capacity: the range less reserved ports and listeners inside it") {
  CensusReport rep;
  rep.range = PortRange{1024, 2047, true, {{1100, 1109}, {2040, 3000}}};
  SocketRecord l;
  l.family = AF_INET;
  l.v4 = true;
  l.state = 10;
  for (std::uint16_t p : {std::uint16_t{1500}, std::uint16_t{1105}, std::uint16_t{80}}) {
    l.local_port = p;
    rep.sockets.add(l);
  }
  // 1024 ports, 10 + 8 reserved, 1500 held by a listener (1105 already reserved, 80 outside).
  CHECK(rep.port_capacity() == 1024 - 18 - 1);
}

TEST_CASE("port capacity and the ephemeral range agree with a port-by-port count") {
  // Random ranges, reserved ranges (overlapping, outside, reversed) and listeners, against the
  // definition taken one port at a time.
  std::mt19937 rng(20261207);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int round = 0; round < 300; ++round) {
    CAPTURE(round);
    CensusReport rep;
    int low = pick(0, 65535);
    int high = pick(0, 65535);
    if (round % 3 != 0 && low > high) std::swap(low, high);
    rep.range.low = low;
    rep.range.high = high;
    for (int i = pick(0, 4); i > 0; --i) {
      int a = pick(-10, 65545);
      int b = round % 5 == 0 ? pick(-10, 65545) : a + pick(0, 3000);
      rep.range.reserved.emplace_back(a, b);
    }
    SocketRecord l;
    l.family = AF_INET;
    l.v4 = true;
    l.state = 10;
    for (int i = pick(0, 6); i > 0; --i) {
      l.local_port = static_cast<std::uint16_t>(pick(0, 65535));
      rep.sockets.add(l);
      if (i % 2 == 0) rep.sockets.add(l);  // the same port twice (IPv4 and IPv6 listeners)
    }
    auto reserved = [&](int p) {
      for (const auto& [a, b] : rep.range.reserved) {
        if (p >= a && p <= b) return true;
      }
      return false;
    };
    std::int64_t want = 0;
    for (int p = low; p <= high; ++p) {
      if (!reserved(p) && !rep.sockets.is_listening_port(static_cast<std::uint16_t>(p))) ++want;
    }
    if (low > high) want = 0;
    CHECK(std::max<std::int64_t>(rep.port_capacity(), 0) == want);
    // The ephemeral range as the aggregator keeps it: a non-listening local port outside it
    // talking to a remote port inside it is a server's.
    CensusAggregator agg;
    agg.set_port_range(low, high, rep.range.reserved);
    auto ephemeral = [&](int p) { return p >= std::max(low, 1) && p <= high && !reserved(p); };
    for (int i = 0; i < 200; ++i) {
      int local = pick(0, 65535);
      int remote = pick(0, 65535);
      CHECK(agg.is_server_side(static_cast<std::uint16_t>(local),
                               static_cast<std::uint16_t>(remote)) ==
            (!ephemeral(local) && ephemeral(remote)));
    }
  }
}

TEST_CASE("netlink replies: an NLMSG_ERROR after records stops the dump with its errno") {
  std::vector<std::uint8_t> buf;
  put_diag(buf, AF_INET, 1, "10.0.0.1", 1, "10.0.0.2", 2);
  put_error(buf, EINTR);
  DiagResult r = parse(buf);
  CHECK(r.status == DiagStatus::error);
  CHECK(r.err == EINTR);
  CHECK(r.sockets == 1);
  std::vector<std::uint8_t> ack;
  put_error(ack, 0);
  DiagResult a = parse(ack);
  CHECK(a.status == DiagStatus::done);
  CHECK(a.consumed == ack.size());
}

TEST_CASE("netlink: INET_DIAG_CGROUP_ID after the message is read; a bad attribute is ignored") {
  std::vector<std::uint8_t> buf;
  put_diag(buf, AF_INET, 1, "127.0.0.1", 40000, "127.0.0.1", 8080);
  // Append attributes to that message: a short one (ignored), then the cgroup id.
  auto append_attr = [&](std::uint16_t type, const void* data, std::uint16_t len) {
    nlattr a{};
    a.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + len);
    a.nla_type = type;
    std::size_t at = buf.size();
    buf.resize(at + NLA_ALIGN(a.nla_len), 0);
    std::memcpy(buf.data() + at, &a, sizeof a);
    std::memcpy(buf.data() + at + NLA_HDRLEN, data, len);
    nlmsghdr h{};
    std::memcpy(&h, buf.data(), sizeof h);
    h.nlmsg_len = static_cast<std::uint32_t>(buf.size());
    std::memcpy(buf.data(), &h, sizeof h);
  };
  const std::uint32_t short_id = 7;
  append_attr(INET_DIAG_CGROUP_ID, &short_id, sizeof short_id);  // wrong size: not a u64
  const std::uint64_t id = 0x1234'5678'9abcULL;
  append_attr(INET_DIAG_CGROUP_ID, &id, sizeof id);
  put_diag(buf, AF_INET, 1, "127.0.0.1", 40001, "127.0.0.1", 8080);  // no attribute
  put_done(buf);
  std::vector<SocketRecord> out;
  DiagResult r = parse(buf, &out);
  CHECK(r.status == DiagStatus::done);
  REQUIRE(out.size() == 2);
  CHECK(out[0].cgroup_id == id);
  CHECK(out[1].cgroup_id == 0);
}

TEST_CASE("listeners: a dump of both families in one walk is ordered as a dump per family") {
  // The legacy request interleaves the families' listeners; order_listeners puts IPv4 first,
  // each family in arrival order (a v4-mapped IPv6 listener stays with IPv6).
  CensusAggregator agg;
  auto listener = [&](int family, std::uint16_t port, std::uint8_t first_byte) {
    SocketRecord r;
    r.family = static_cast<std::uint8_t>(family);
    r.v4 = family == AF_INET || port == 7;
    r.state = static_cast<std::uint8_t>(TcpState::listen);
    r.local_port = port;
    r.local[0] = first_byte;
    agg.add(r);
  };
  listener(AF_INET6, 1, 0);
  listener(AF_INET, 2, 10);
  listener(AF_INET6, 7, 127);  // v4-mapped: v4 after normalization, but the IPv6 dump's
  listener(AF_INET, 3, 11);
  listener(AF_INET6, 4, 0);
  agg.order_listeners();
  std::vector<std::uint16_t> ports;
  for (const Listener& l : agg.listeners()) ports.push_back(l.port);
  CHECK(ports == std::vector<std::uint16_t>{2, 3, 1, 7, 4});
  CHECK(agg.listeners()[0].address[0] == 10);
  CHECK(agg.listeners()[0].family == AF_INET);
  CHECK(agg.listeners()[2].family == AF_INET6);
}

TEST_CASE("client-side groups: the aggregator's table agrees with a std::map on random sockets") {
  // Few addresses and ports, so that groups repeat and the open-addressing index grows past
  // several sizes; IPv4 and IPv6 keys with equal bytes must stay apart.
  std::uint64_t seed = 0x2545f4914f6cdd1dull;
  auto next = [&]() {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  using Key =
      std::tuple<bool, std::array<std::uint8_t, 16>, std::array<std::uint8_t, 16>, std::uint16_t>;
  std::map<Key, std::pair<StateCounts, std::uint64_t>> want;
  CensusAggregator agg;
  const std::uint16_t remote_ports[] = {80, 443, 3306, 5432, 6379};
  for (int i = 0; i < 50000; ++i) {
    SocketRecord r;
    r.v4 = (next() & 1) != 0;
    r.family = r.v4 ? AF_INET : AF_INET6;
    r.state = static_cast<std::uint8_t>(1 + next() % 9);  // ESTABLISHED..LAST_ACK, no LISTEN
    if (r.state == static_cast<std::uint8_t>(TcpState::time_wait)) r.timer = k_timer_timewait;
    r.local[0] = 10;  // the same bytes in both families
    r.local[3] = static_cast<std::uint8_t>(next() % 6);
    r.remote[0] = 10;
    r.remote[2] = static_cast<std::uint8_t>(next() % 9);
    r.remote[15] = static_cast<std::uint8_t>(r.v4 ? 0 : next() % 3);
    r.local_port = static_cast<std::uint16_t>(32768 + next() % 28000);  // ephemeral: client side
    r.remote_port = remote_ports[next() % 5];
    r.cookie = next();
    agg.add(r);
    auto& w = want[Key{r.v4, r.local, r.remote, r.remote_port}];
    ++w.first[r.state];
    ++w.second;
  }
  std::vector<Destination> got = agg.destinations();
  REQUIRE(got.size() == want.size());
  CHECK(want.size() > 200);
  std::uint64_t total = 0;
  for (const Destination& d : got) {
    auto it = want.find(Key{d.key.v4, d.key.local, d.key.remote, d.key.remote_port});
    REQUIRE(it != want.end());
    CHECK(d.states == it->second.first);
    CHECK(d.sockets == it->second.second);
    total += d.sockets;
  }
  CHECK(total == 50000);
  CHECK(agg.total() == 50000);
  // reset empties the groups (the index keeps its memory for a second snapshot).
  agg.reset();
  CHECK(agg.destinations().empty());
}

TEST_CASE("the host's own addresses are listed when a peer first needs them, once") {
  CensusReport rep;
  int listed = 0;
  rep.sockets.set_local_addresses([&] {
    ++listed;
    HostAddress h;
    h.addr = {10, 0, 0, 5};
    return std::vector<HostAddress>{h};
  });
  SocketRecord l;
  l.family = AF_INET;
  l.v4 = true;
  l.state = 10;  // LISTEN on 8080: connections to it are server-side
  l.local_port = 8080;
  rep.sockets.add(l);
  SocketRecord c = l;
  c.state = 1;  // ESTABLISHED
  c.local = {127, 0, 0, 1};
  c.remote = {127, 0, 0, 1};
  c.remote_port = 40000;
  rep.sockets.add(c);  // a loopback peer: no listing
  CHECK(listed == 0);
  c.local = {10, 0, 0, 5};
  c.remote = {10, 0, 0, 5};  // this host's own address
  rep.sockets.add(c);
  CHECK(listed == 1);
  c.remote = {192, 0, 2, 7};  // another host
  rep.sockets.add(c);
  CHECK(listed == 1);
  CHECK(rep.sockets.server_connections() == 3);
  CHECK(rep.sockets.server_local() == 2);
  CHECK(rep.sockets.is_local_peer({10, 0, 0, 5}, true));
  CHECK_FALSE(rep.sockets.is_local_peer({10, 0, 0, 6}, true));
  CHECK_FALSE(rep.sockets.is_local_peer({10, 0, 0, 5}, false));  // the IPv6 address 0a00:5::
  CHECK(listed == 1);
}
