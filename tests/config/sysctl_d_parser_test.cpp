#include "config/sysctl_d_parser.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/text_util.hpp"

using namespace tcptune;

namespace {

// "line:col: code: message" for every diagnostic, one per line: compared as whole strings.
std::string diags(const ParsedFile& p) {
  std::string out;
  for (const Finding& f : p.diagnostics) {
    out += std::to_string(f.line) + ":" + std::to_string(f.column) + ": " + f.code + ": " +
           f.message + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("assignments, comments and whitespace") {
  ParsedFile p = parse_sysctl_d(
      "# comment\n"
      "; also a comment\n"
      "\n"
      "net.ipv4.tcp_fin_timeout=30\n"
      "  net.core.somaxconn   =   4096  \n"
      "net.ipv4.tcp_rmem = 4096\t87380 6291456\r\n"
      "kernel.core_pattern = |/bin/x # not a comment\n",
      "f.conf");
  CHECK(diags(p) == "");
  REQUIRE(p.entries.size() == 4);
  CHECK(p.entries[0].key == "net.ipv4.tcp_fin_timeout");
  CHECK(p.entries[0].value == "30");
  CHECK(p.entries[0].line == 4);
  CHECK(p.entries[0].key_column == 1);
  CHECK(p.entries[0].value_column == 26);
  CHECK(p.entries[1].key_column == 3);
  CHECK(p.entries[1].value_column == 28);
  CHECK(p.entries[2].value == "4096\t87380 6291456");
  // No inline comments: '#' after a value is part of it.
  CHECK(p.entries[3].value == "|/bin/x # not a comment");
}

TEST_CASE("split at the first '='") {
  ParsedFile p = parse_sysctl_d("kernel.core_pattern = a=b\n", "f.conf");
  REQUIRE(p.entries.size() == 1);
  CHECK(p.entries[0].value == "a=b");
}

TEST_CASE("'-' prefix and exclusions") {
  ParsedFile p = parse_sysctl_d(
      "-net.core.default_qdisc = fq\n"
      "-net.ipv4.conf.all.rp_filter\n"
      "net.ipv4.conf.*.rp_filter = 2\n",
      "f.conf");
  CHECK(diags(p) == "");
  REQUIRE(p.entries.size() == 3);
  CHECK(p.entries[0].ignore_failure);
  CHECK(p.entries[0].kind == EntryKind::assign);
  CHECK(p.entries[0].key_column == 2);
  CHECK(p.entries[1].kind == EntryKind::exclude);
  CHECK(p.entries[1].path == "net/ipv4/conf/all/rp_filter");
  CHECK(p.entries[2].glob);
}

TEST_CASE("syntax errors are diagnostics with positions, and parsing goes on") {
  ParsedFile p = parse_sysctl_d(
      "net.ipv4.tcp_syncookies 1\n"
      " = 5\n"
      "net/../../etc/passwd = x\n"
      "net.ipv4.tcp fin = 3\n"
      "net.ipv4.tcp_fin_timeout = 3\x01\n"
      "net.core.somaxconn =\n"
      "net.ipv4.tcp_rmem = \xff\xfe\n"
      "net.ipv4.tcp_wmem = 1 2 3\n",
      "f.conf");
  CHECK(diags(p) ==
        "1:1: TT1001: line is not an assignment: expected 'key = value' (or '-key' to exclude a "
        "key from globs)\n"
        "2:2: TT1002: empty key before '='\n"
        "3:1: TT1004: key 'net/../../etc/passwd' would escape /proc/sys: the key contains a '..' "
        "component\n"
        "4:1: TT1003: invalid key 'net.ipv4.tcp fin': the key contains whitespace\n"
        "5:29: TT1005: control character 0x01 in the value of net.ipv4.tcp_fin_timeout\n"
        "6:21: TT1011: empty value for net.core.somaxconn: an empty string is written, which most "
        "keys reject\n"
        "7:21: TT1007: invalid UTF-8; the line was not read\n");
  REQUIRE(p.entries.size() == 2);
  CHECK(p.entries[0].key == "net.core.somaxconn");
  CHECK(p.entries[1].key == "net.ipv4.tcp_wmem");
  CHECK(p.diagnostics[0].invalid_input);
  CHECK_FALSE(p.diagnostics[5].invalid_input);  // empty value is a warning
}

TEST_CASE("binary files, NUL bytes and long lines") {
  std::string binary = std::string(
      "net.core.somaxconn = 1\n\x7f"
      "ELF\0\0\0",
      29);
  ParsedFile b = parse_sysctl_d(binary, "b.conf");
  CHECK(diags(b) == "2:1: TT1007: binary file (NUL byte at offset 27); the file was not read\n");
  CHECK(b.entries.empty());

  std::string late_nul = std::string(9000, '#') + "\nnet.core.somaxconn = 1";
  late_nul.push_back('\0');
  late_nul += "\n";
  ParsedFile n = parse_sysctl_d(late_nul, "n.conf");
  CHECK(diags(n) ==
        "2:23: TT1007: NUL byte in line: systemd-sysctl and sysctl --system both write the "
        "assignment before it (systemd-sysctl reads the rest as another line); tcptune reads it "
        "too\n");
  REQUIRE(n.entries.size() == 1);
  CHECK(n.entries[0].value == "1");

  // One NUL on a text line is not a binary file: the other lines are read.
  ParsedFile one = parse_sysctl_d(
      std::string("net.ipv4.tcp_fin_timeout = 33\nnet.ipv4.tcp_syn_retries = 3\0 junk\n"
                  "net.ipv4.tcp_keepalive_time = 1202\n",
                  100),
      "one.conf");
  REQUIRE(one.entries.size() == 3);
  CHECK(one.entries[1].value == "3");

  // Lines over 4096 bytes are read (both programs apply them); over 1 MiB they are not.
  std::string long_ok = "net.ipv4.tcp_fin_timeout = 32" + std::string(5000, ' ') + "\n";
  ParsedFile lo = parse_sysctl_d(long_ok, "lo.conf");
  REQUIRE(lo.entries.size() == 1);
  CHECK(lo.entries[0].value == "32");

  std::string longline =
      "net.core.somaxconn = " + std::string(1 << 20, '1') + "\nnet.ipv4.tcp_syncookies = 1\n";
  ParsedFile l = parse_sysctl_d(longline, "l.conf");
  CHECK(diags(l) ==
        "1:1: TT1008: line is 1048597 bytes long, over the limit of 1048576; it was not read\n");
  REQUIRE(l.entries.size() == 1);
  CHECK(l.entries[0].key == "net.ipv4.tcp_syncookies");
}

TEST_CASE("CRLF and a missing final newline") {
  ParsedFile p = parse_sysctl_d("a.b = 1\r\nc.d = 2", "f.conf");
  REQUIRE(p.entries.size() == 2);
  CHECK(p.entries[0].value == "1");
  CHECK(p.entries[1].value == "2");
  CHECK(p.line_count() == 2);
}

TEST_CASE("suppression directives") {
  ParsedFile p = parse_sysctl_d(
      "# tcptune: disable=TT2002\n"
      "a.b = 1\n"
      "# tcptune: disable=TT2003, TT4005\n"
      "\n"
      "net.ipv4.tcp_tw_recycle = 1\n"
      "c.d = 2\n"
      "# tcptune: disable=bogus\n"
      "# tcptune: enable=TT1001\n",
      "f.conf");
  CHECK(p.file_suppressions == std::set<std::string>{"TT2002"});
  CHECK(p.suppressed("TT2003", 5));
  CHECK(p.suppressed("TT4005", 5));
  CHECK_FALSE(p.suppressed("TT2003", 6));
  CHECK(p.suppressed("TT2002", 6));
  CHECK(diags(p) ==
        "7:20: TT1012: malformed code 'bogus' in tcptune directive; codes look like TT2003\n"
        "8:12: TT1012: unrecognised tcptune directive; expected '# tcptune: "
        "disable=TTnnnn[,TTnnnn...]'\n");
}

TEST_CASE("the '-' prefix and spellings are read as the chosen program reads them") {
  const char* text =
      "- net.core.somaxconn = 1\n"
      "--net.ipv4.tcp_fin_timeout = 2\n"
      "-net.ipv4.tcp_syncookies = 1\n"
      "net.ipv4.tcp_rmem. = 4096 131072 6291456\n"
      "net/ipv4/../core/netdev_max_backlog = 3\n";
  auto keys = [](const ParsedFile& p) {
    std::string out;
    for (const SysctlEntry& e : p.entries) out += cat(e.key, e.ignore_failure ? "(-) " : " ");
    return out;
  };
  auto codes = [](const ParsedFile& p) {
    std::string out;
    for (const Finding& f : p.diagnostics) out += std::to_string(f.line) + ":" + f.code + " ";
    return out;
  };
  // systemd-sysctl 252: "- key" drops the blank; "--key" names "-key" (nothing written); a
  // trailing separator is dropped; '..' is refused.
  ParsedFile s = parse_sysctl_d(text, "f.conf", Semantics::systemd);
  CHECK(keys(s) == "net.core.somaxconn(-) net.ipv4.tcp_syncookies(-) net.ipv4.tcp_rmem ");
  CHECK(codes(s) == "1:TT1014 2:TT1003 4:TT1014 5:TT1004 ");
  // procps-ng 4.0.2: "- key" keeps the blank (nothing written); "--key" strips both; a
  // trailing separator cannot be stat'ed; '..' is followed.
  ParsedFile p = parse_sysctl_d(text, "f.conf", Semantics::procps);
  CHECK(keys(p) ==
        "net.ipv4.tcp_fin_timeout(-) net.ipv4.tcp_syncookies(-) net.core.netdev_max_backlog ");
  CHECK(codes(p) == "1:TT1003 2:TT1014 4:TT1003 5:TT1014 ");
  CHECK(p.diagnostics[0].column == 3);  // the key after "- "
  CHECK(s.diagnostics[1].column == 1);  // the first '-' of "--net..."
}

TEST_CASE("entries are views into their file's text, which copies share") {
  // 3 keys, each set 1,000 times, in dotted and slashed spellings, plus a short file whose
  // bytes would fit in a std::string's own buffer (a view into it would not survive a move).
  std::string text;
  for (int i = 0; i < 1000; ++i) {
    text += "net.ipv4.tcp_syncookies = 1\n";
    text += "net/core/somaxconn = " + std::to_string(i) + "\n";
    text += " -net.ipv4.tcp_fin_timeout=30 \n";
  }
  static_assert(sizeof(SysctlEntry) <= 80 || sizeof(void*) > 8);
  std::optional<ParsedFile> original = parse_sysctl_d(text, "f.conf");
  REQUIRE(original->entries.size() == 3000);
  // One copy of each canonical spelling the file does not have, not one a line: the two
  // dotted keys' paths, the slashed key's dotted key (its path is as written).
  CHECK(original->text->names.size() == 3);
  const ParsedFile copy = *original;
  std::vector<ParsedFile> moved;
  moved.push_back(parse_sysctl_d("a.b=1\n", "s.conf"));
  moved.reserve(100);  // the vector moves its element
  original.reset();    // the copy's entries still point into the shared text
  auto inside = [](const ParsedFile& p, std::string_view v) {
    const std::string_view bytes = p.raw();
    if (v.data() >= bytes.data() && v.data() + v.size() <= bytes.data() + bytes.size()) return true;
    return std::any_of(p.text->names.begin(), p.text->names.end(), [&](const auto& n) {
      return v.data() >= n->data() && v.data() + v.size() <= n->data() + n->size();
    });
  };
  for (const SysctlEntry& e : copy.entries) {
    REQUIRE(inside(copy, e.raw_key));
    REQUIRE(inside(copy, e.key));
    REQUIRE(inside(copy, e.path));
    REQUIRE((e.value.empty() || inside(copy, e.value)));
  }
  CHECK(copy.entries[1].key == "net.core.somaxconn");
  CHECK(copy.entries[1].path == "net/core/somaxconn");
  CHECK(copy.entries[1].raw_key.data() == copy.entries[1].path.data());  // as written
  CHECK(copy.entries[2999].value == "30");
  CHECK(copy.entries[2999].path == "net/ipv4/tcp_fin_timeout");
  CHECK(copy.entries[2999].ignore_failure);
  CHECK(copy.entries[2997].key.data() == copy.entries[2997].raw_key.data());
  CHECK(copy.entries[2997].path.data() == copy.entries[0].path.data());  // one copy
  CHECK(copy.entries[1000].value == "333");
  const SysctlEntry& s = moved.front().entries.at(0);
  CHECK(s.key == "a.b");
  CHECK(s.path == "a/b");
  CHECK(s.value == "1");
  CHECK(inside(moved.front(), s.key));
  CHECK(inside(moved.front(), s.value));
}
