// libFuzzer target: NETLINK_SOCK_DIAG replies held in a byte buffer (src/census/diag_parser.hpp)
// and recordings of several dumps (census_from_recording), then the census metrics. No socket:
// the bytes are what one recv() or `tcptune debug record-sockets` would hold.
//
// Input: the raw bytes (seeds: tests/fixtures/census-mix/mix.nl and the messages written by
// make_seeds.py).
//
// Invariants: the parser reports as many sockets as it passed to the sink, each IPv4 or IPv6
// with NEW_SYN_RECV folded into SYN_RECV; `consumed` is set exactly when the dump is done and
// stays inside the buffer; an error carries an errno; a replayed recording counts each socket
// record of a known state once.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "census/census.hpp"
#include "census/diag_parser.hpp"
#include "fuzz_support.hpp"

using namespace tcptune;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // 4-byte aligned, as a recv() buffer (and census_from_recording's copy) would be.
  std::vector<std::uint32_t> aligned((size + 3) / 4);
  if (size != 0) std::memcpy(aligned.data(), data, size);
  const auto* buf = reinterpret_cast<const std::uint8_t*>(aligned.data());

  std::size_t records = 0;
  DiagResult res;
  fuzz::no_throw("parse_diag_buffer", [&] {
    res = parse_diag_buffer(buf, size, 0, 0, [&](const SocketRecord& r) {
      ++records;
      TCPTUNE_FUZZ_CHECK(r.family == 2 || r.family == 10, "family " + std::to_string(r.family));
      TCPTUNE_FUZZ_CHECK(r.state != 12, "NEW_SYN_RECV not folded");
      (void)endpoint_text(r.local, r.v4, r.local_port);
      (void)endpoint_text(r.remote, r.v4, r.remote_port);
    });
  });
  std::string ctx = "status " + std::to_string(static_cast<int>(res.status)) + ", err " +
                    std::to_string(res.err) + ", sockets " + std::to_string(res.sockets) +
                    ", consumed " + std::to_string(res.consumed) + " of " + std::to_string(size);
  TCPTUNE_FUZZ_CHECK(res.sockets == records, ctx);
  TCPTUNE_FUZZ_CHECK((res.status == DiagStatus::done) == (res.consumed != 0), ctx);
  TCPTUNE_FUZZ_CHECK(res.consumed <= size, ctx);
  TCPTUNE_FUZZ_CHECK((res.status == DiagStatus::error) == (res.err > 0), ctx);

  std::string bytes(reinterpret_cast<const char*>(data), size);
  std::optional<Result<CensusReport>> rep;
  fuzz::no_throw("census_from_recording", [&] { rep.emplace(census_from_recording(bytes)); });
  if (rep->ok()) {
    const CensusReport& r = rep->value();
    TCPTUNE_FUZZ_CHECK(size != 0 && res.status == DiagStatus::done,
                       "a recording replayed without a first complete dump: " + ctx);
    std::uint64_t by_state = 0;
    for (int s = 1; s <= 11; ++s) by_state += r.sockets.state_total(s);
    TCPTUNE_FUZZ_CHECK(by_state == r.sockets.total(), ctx);
    fuzz::check_census_metrics(r);
  } else {
    TCPTUNE_FUZZ_CHECK(rep->error().err != 0 && !rep->error().message().empty(), ctx);
  }
  return 0;
}
