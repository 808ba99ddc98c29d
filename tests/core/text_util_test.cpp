#include "core/text_util.hpp"

#include <doctest/doctest.h>

using namespace tcptune;

TEST_CASE("integers are read as the kernel reads them") {
  CHECK(parse_kernel_int("42") == 42);
  CHECK(parse_kernel_int("-1") == -1);
  CHECK(parse_kernel_int("0x1b6") == 438);
  CHECK(parse_kernel_int("010") == 8);
  CHECK(parse_kernel_int("0") == 0);
  CHECK_FALSE(parse_kernel_int("08"));
  CHECK_FALSE(parse_kernel_int("30abc"));
  CHECK_FALSE(parse_kernel_int(""));
  CHECK_FALSE(parse_kernel_int("-"));
  CHECK_FALSE(parse_kernel_int("99999999999999999999"));
  CHECK(parse_kernel_int("-9223372036854775808") == INT64_MIN);
  CHECK_FALSE(parse_kernel_int("-9223372036854775809"));
}

TEST_CASE("UTF-8 validation") {
  CHECK(find_invalid_utf8("plain") == std::string_view::npos);
  CHECK(find_invalid_utf8("caf\xc3\xa9") == std::string_view::npos);
  CHECK(find_invalid_utf8("ab\xff") == 2);
  CHECK(find_invalid_utf8("\xc0\xaf") == 0);      // overlong '/'
  CHECK(find_invalid_utf8("\xed\xa0\x80") == 0);  // surrogate
  CHECK(find_invalid_utf8("x\xe2\x82") == 1);     // truncated
}

TEST_CASE("did you mean") {
  std::vector<std::string> keys{"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem", "net.core.somaxconn"};
  CHECK(did_you_mean("net.ipv4.tcp_rmen", keys) == "net.ipv4.tcp_rmem");
  CHECK(did_you_mean("net.core.somaxcon", keys) == "net.core.somaxconn");
  CHECK(did_you_mean("kernel.pid_max", keys).empty());
  CHECK(did_you_mean("lnit", std::vector<std::string>{"lint", "check"}) == "lint");
}

TEST_CASE("whitespace splitting and trimming") {
  CHECK(trim("  a b \t\r") == "a b");
  auto f = split_ws(" 4096\t87380   6291456 ");
  REQUIRE(f.size() == 3);
  CHECK(f[2] == "6291456");
}
