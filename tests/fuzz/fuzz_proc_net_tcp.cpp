// libFuzzer target: the /proc/net/tcp and /proc/net/tcp6 parser (src/census/proc_net_tcp.hpp),
// then the census aggregation and the metrics `check` rules see (census_metrics).
//
// Input: the file's text; it is parsed both as tcp (IPv4) and as tcp6.
//
// Invariants: the counts add up (every line is a socket, malformed, blank or the header);
// first_bad_line points at a line that exists exactly when there are malformed lines; every
// record has a known state (NEW_SYN_RECV folded into SYN_RECV); LISTEN records carry no backlog
// (the file has none); the aggregator counts every record once; percentages stay in 0..100.

#include <cstddef>
#include <cstdint>
#include <string>

#include "census/census.hpp"
#include "census/proc_net_tcp.hpp"
#include "engine/host_facts.hpp"
#include "fuzz_support.hpp"

using namespace tcptune;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  std::size_t newlines = 0;
  for (char c : text) newlines += c == '\n' ? 1 : 0;
  for (bool ipv6 : {false, true}) {
    CensusReport rep;
    std::size_t records = 0;
    std::size_t listeners = 0;
    ProcParseStats st;
    fuzz::no_throw("parse_proc_net_tcp", [&] {
      st = parse_proc_net_tcp(text, ipv6, [&](const SocketRecord& r) {
        ++records;
        TCPTUNE_FUZZ_CHECK(r.state >= 1 && r.state <= 11, "state " + std::to_string(r.state));
        TCPTUNE_FUZZ_CHECK(r.family == (ipv6 ? 10 : 2), "family " + std::to_string(r.family));
        TCPTUNE_FUZZ_CHECK(ipv6 || r.v4, "an IPv4 line must give an IPv4 record");
        if (r.state == 10) {
          ++listeners;
          TCPTUNE_FUZZ_CHECK(r.wqueue == 0, "LISTEN with a backlog from /proc");
        }
        (void)endpoint_text(r.local, r.v4, r.local_port);
        (void)endpoint_text(r.remote, r.v4, r.remote_port);
        rep.sockets.add(r);
      });
    });
    std::string ctx = std::string(ipv6 ? "tcp6" : "tcp") + ": lines " + std::to_string(st.lines) +
                      ", sockets " + std::to_string(st.sockets) + ", malformed " +
                      std::to_string(st.malformed) + ", first bad " +
                      std::to_string(st.first_bad_line);
    TCPTUNE_FUZZ_CHECK(st.sockets == records, ctx);
    TCPTUNE_FUZZ_CHECK(st.lines <= newlines + 1, ctx);
    TCPTUNE_FUZZ_CHECK(st.sockets + st.malformed <= st.lines, ctx);
    TCPTUNE_FUZZ_CHECK((st.malformed == 0) == (st.first_bad_line == 0), ctx);
    TCPTUNE_FUZZ_CHECK(st.first_bad_line <= st.lines, ctx);
    TCPTUNE_FUZZ_CHECK(rep.sockets.total() == records, ctx);
    TCPTUNE_FUZZ_CHECK(rep.sockets.listeners().size() == listeners, ctx);
    std::uint64_t by_state = 0;
    for (int s = 1; s <= 11; ++s) by_state += rep.sockets.state_total(s);
    TCPTUNE_FUZZ_CHECK(by_state == records, ctx);
    fuzz::check_census_metrics(rep);
  }
  return 0;
}
