// Regressions for what the libFuzzer targets in tests/fuzz found (tests/fuzz/README.md,
// "Findings"): each case is the minimised input, rebuilt here in readable form, with the
// behaviour the fix promises. The crash inputs themselves are in the seed corpora.

#include <doctest/doctest.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <vector>

#include "census/census.hpp"
#include "census/diag_parser.hpp"
#include "engine/host_facts.hpp"
#include "test_support.hpp"

using namespace tcptune;

namespace {

// One netlink message: a header claiming `claimed` bytes, then `payload` bytes of zeros (or of
// `bytes` when given), padded to 4 bytes.
void put_message(std::vector<std::uint8_t>& buf, std::uint16_t type, std::uint32_t claimed,
                 std::size_t payload, const void* bytes = nullptr) {
  nlmsghdr h{};
  h.nlmsg_len = claimed;
  h.nlmsg_type = type;
  h.nlmsg_flags = NLM_F_MULTI;
  std::size_t at = buf.size();
  buf.resize(at + NLMSG_ALIGN(NLMSG_HDRLEN + payload), 0);
  std::memcpy(buf.data() + at, &h, sizeof h);
  if (bytes != nullptr) std::memcpy(buf.data() + at + NLMSG_HDRLEN, bytes, payload);
}

void put_socket(std::vector<std::uint8_t>& buf) {
  inet_diag_msg m{};
  m.idiag_family = AF_INET;
  m.idiag_state = 1;
  put_message(buf, SOCK_DIAG_BY_FAMILY, NLMSG_LENGTH(sizeof m), sizeof m, &m);
}

DiagResult parse(const std::vector<std::uint8_t>& buf, std::size_t len) {
  std::vector<std::uint32_t> aligned((buf.size() + 3) / 4);
  if (!buf.empty()) std::memcpy(aligned.data(), buf.data(), buf.size());
  return parse_diag_buffer(reinterpret_cast<const std::uint8_t*>(aligned.data()), len, 0, 0,
                           [](const SocketRecord&) {});
}

}  // namespace

// fuzz_diag, crash-c90e52fc: libmnl's mnl_nlmsg_ok() compares nlmsg_len as an int, so a header
// claiming 0xffffffff bytes passed as "-1 <= remaining" and on_message() copied an
// inet_diag_msg from past the end of the buffer (heap-buffer-overflow).
TEST_CASE("netlink: a message claiming 2 GiB or more is malformed, not read past the buffer") {
  for (std::uint32_t claimed : {0x80000000u, 0xfffffff0u, 0xffffffffu}) {
    CAPTURE(claimed);
    std::vector<std::uint8_t> buf;
    put_socket(buf);
    put_message(buf, SOCK_DIAG_BY_FAMILY, claimed, 8);
    DiagResult r = parse(buf, buf.size());
    CHECK(r.status == DiagStatus::error);
    CHECK(r.err == EBADMSG);
    CHECK(r.sockets == 1);  // the well-formed message before it
    CHECK_FALSE(census_from_recording(std::string(buf.begin(), buf.end())).ok());
  }
}

// Found while fixing the above: from 0xfffffffd the aligned length wraps to 0, so for a message
// type without a callback libmnl's mnl_nlmsg_next() stayed on the same message for ever.
TEST_CASE("netlink: a length that wraps to 0 when aligned does not hang the walk") {
  for (std::uint16_t type : {std::uint16_t{0}, std::uint16_t{7}, std::uint16_t{NLMSG_NOOP}}) {
    CAPTURE(type);
    std::vector<std::uint8_t> buf;
    put_message(buf, type, 0xfffffffeu, 4);
    DiagResult r = parse(buf, buf.size());
    CHECK(r.status == DiagStatus::error);
    CHECK(r.err == EBADMSG);
  }
}

// fuzz_diag, crash-5fac7c28: NLMSG_ERROR carrying INT_MIN; negating it was undefined behaviour.
TEST_CASE("netlink: an NLMSG_ERROR code that is no errno is a malformed reply") {
  for (int code : {INT_MIN, -5000, 5}) {
    CAPTURE(code);
    nlmsgerr e{};
    e.error = code;
    std::vector<std::uint8_t> buf;
    put_message(buf, NLMSG_ERROR, NLMSG_LENGTH(sizeof e), sizeof e, &e);
    DiagResult r = parse(buf, buf.size());
    CHECK(r.status == DiagStatus::error);
    CHECK(r.err == EBADMSG);
  }
  nlmsgerr e{};
  e.error = -EPERM;
  std::vector<std::uint8_t> buf;
  put_message(buf, NLMSG_ERROR, NLMSG_LENGTH(sizeof e), sizeof e, &e);
  CHECK(parse(buf, buf.size()).err == EPERM);
}

// Seen in review while writing fuzz_diag's "consumed <= size" invariant: a final NLMSG_DONE
// whose length is not a multiple of 4 (the buffer ends without the padding) was counted with
// its padding, past the buffer.
TEST_CASE("netlink: a final NLMSG_DONE without padding is consumed up to the buffer's end") {
  std::vector<std::uint8_t> buf;
  put_socket(buf);
  std::size_t before = buf.size();
  put_message(buf, NLMSG_DONE, NLMSG_HDRLEN + 1, 1);
  DiagResult r = parse(buf, before + NLMSG_HDRLEN + 1);
  CHECK(r.status == DiagStatus::done);
  CHECK(r.sockets == 1);
  CHECK(r.consumed == before + NLMSG_HDRLEN + 1);
}

// Found in review of what fuzz_conditions could reach, then confirmed through the target
// (tests/fuzz/corpus/conditions/regression-derived-port-range-size-overflow): a --root tree can
// hold any ip_local_port_range text, and derived.port_range.size computed high - low + 1 in
// int64 (signed overflow for "-9223372036854775807 9223372036854775807").
TEST_CASE("facts: a port range outside 0..65535 derives nothing") {
  auto derived = [](const char* range, const char* name) {
    test::FakeKeySource live{{"net/ipv4/ip_local_port_range", range}};
    HostFactsInput in;
    in.keys = &test::shipped_keys();
    in.live = &live;
    HostFacts facts(std::move(in));
    FactRef ref;
    ref.kind = FactKind::derived;
    ref.path = name;
    return facts.get(ref, "");
  };
  for (const char* name :
       {"port_range.low", "port_range.high", "port_range.size", "port_range.same_parity"}) {
    CAPTURE(name);
    CHECK_FALSE(derived("-9223372036854775807 9223372036854775807", name).has_value());
    CHECK_FALSE(derived("1024 65536", name).has_value());
    CHECK_FALSE(derived("-1 60999", name).has_value());
  }
  std::optional<FactValue> size = derived("32768\t60999", "port_range.size");
  REQUIRE(size.has_value());
  CHECK(std::get<std::int64_t>(*size) == 28232);
  CHECK(std::get<std::int64_t>(*derived("0 65535", "port_range.size")) == 65536);
}
