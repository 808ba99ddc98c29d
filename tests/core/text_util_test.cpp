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

TEST_CASE("terminal wrapping: at spaces, hanging indent, never inside a word") {
  CHECK(display_width("\033[1;35mwarning\033[0m: \xc3\xa9t\xc3\xa9") == 12);
  CHECK(wrap_line("short line", 80) == "short line");
  CHECK(wrap_line("a line that would be far too long", 0) == "a line that would be far too long");
  // 20 columns: unindented lines continue at 4 columns.
  CHECK(wrap_line("f.conf:3:1: warning: the value is lower than the default", 20) ==
        "f.conf:3:1: warning:\n    the value is\n    lower than the\n    default");
  // Indented lines continue 2 columns deeper; runs of spaces inside a line are kept.
  CHECK(wrap_line("  TT1234   a message that wraps", 16) ==
        "  TT1234   a\n    message that\n    wraps");
  // A word wider than the room stays whole, on its own line.
  CHECK(wrap_line("see https://example.invalid/a/very/long/path now", 16) ==
        "see\n    https://example.invalid/a/very/long/path\n    now");
  // Colour codes take no room: the same breaks as without them.
  CHECK(wrap_line("\033[1mab\033[0m cd efg", 8) == "\033[1mab\033[0m cd\n    efg");
  for (std::size_t w = 1; w < 40; ++w) {
    std::string wrapped = wrap_line("x.conf:12:5: error: value 99999 is above the range", w);
    std::string words;
    for (std::string_view part : split_ws(wrapped)) words += std::string(part) + " ";
    CHECK(words == "x.conf:12:5: error: value 99999 is above the range ");
  }
}

TEST_CASE("terminal wrapping keeps source excerpts and their caret aligned") {
  std::string text =
      "f.conf:1:20: error: a message long enough to wrap [TT3001]\n"
      "    net.ipv4.tcp_fin_timeout = 5 seconds\n"
      "                               ^\n"
      "    hint: a hint long enough to wrap too\n";
  CHECK(wrap_text(text, 30) ==
        "f.conf:1:20: error: a message\n    long enough to wrap\n    [TT3001]\n"
        "    net.ipv4.tcp_fin_timeout = 5 seconds\n"
        "                               ^\n"
        "    hint: a hint long enough\n      to wrap too\n");
  CHECK(wrap_text(text, 0) == text);
}
