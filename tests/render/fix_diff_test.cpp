#include "render/fix_diff.hpp"

#include <doctest/doctest.h>

#include "engine/lint.hpp"
#include "test_support.hpp"

using namespace tcptune;
using tcptune::test::make_set;
using tcptune::test::MemFile;

namespace {

// The diff `lint --format diff` prints for in-memory files (offline, Linux 6.1).
std::string diff_of(const std::vector<MemFile>& files) {
  ConfigSet set = make_set(files);
  LintOptions o;
  o.kernel = KernelVersion{6, 1, 0};
  LintReport r = run_lint(set, tcptune::test::shipped_keys(), tcptune::test::shipped_checks(), o);
  return render_fix_diff(r.findings, set);
}

std::string diff_of(const std::string& content) {
  return diff_of({{"/etc/sysctl.d", "60-t.conf", content}});
}

}  // namespace

TEST_CASE("fix diff: one hunk with three lines of context, deletions and replacements") {
  CHECK(diff_of("# a\n# b\n# c\n# d\nnet.ipv4.tcp_tw_recycle = 1\n# e\n# f\n# g\n# h\n") ==
        "--- a/etc/sysctl.d/60-t.conf\n"
        "+++ b/etc/sysctl.d/60-t.conf\n"
        "@@ -2,7 +2,6 @@\n"
        " # b\n"
        " # c\n"
        " # d\n"
        "-net.ipv4.tcp_tw_recycle = 1\n"
        " # e\n"
        " # f\n"
        " # g\n");
  CHECK(diff_of("net.ipv4.tcp_fin_timeout = 30\n") ==
        "--- a/etc/sysctl.d/60-t.conf\n"
        "+++ b/etc/sysctl.d/60-t.conf\n"
        "@@ -1 +1 @@\n"
        "-net.ipv4.tcp_fin_timeout = 30\n"
        "+net.ipv4.tcp_fin_timeout = 60\n");
}

TEST_CASE("fix diff: a file that becomes empty; hunks far apart stay apart, close ones merge") {
  CHECK(diff_of("net.ipv4.tcp_tw_recycle = 1\n") ==
        "--- a/etc/sysctl.d/60-t.conf\n"
        "+++ b/etc/sysctl.d/60-t.conf\n"
        "@@ -1 +0,0 @@\n"
        "-net.ipv4.tcp_tw_recycle = 1\n");
  std::string body;
  for (int i = 0; i < 10; ++i) body += "# " + std::to_string(i) + "\n";
  // Lines 1 and 12 are 11 apart: two hunks, the second shifted by the first deletion.
  CHECK(diff_of("net.ipv4.tcp_tw_recycle = 1\n" + body + "net.ipv4.tcp_timestamps = 0\n") ==
        "--- a/etc/sysctl.d/60-t.conf\n"
        "+++ b/etc/sysctl.d/60-t.conf\n"
        "@@ -1,4 +1,3 @@\n"
        "-net.ipv4.tcp_tw_recycle = 1\n"
        " # 0\n"
        " # 1\n"
        " # 2\n"
        "@@ -9,4 +8,4 @@\n"
        " # 7\n"
        " # 8\n"
        " # 9\n"
        "-net.ipv4.tcp_timestamps = 0\n"
        "+net.ipv4.tcp_timestamps = 1\n");
  // Lines 1 and 5: one hunk.
  CHECK(diff_of("net.ipv4.tcp_tw_recycle = 1\n# 1\n# 2\n# 3\nnet.ipv4.tcp_timestamps = 0\n") ==
        "--- a/etc/sysctl.d/60-t.conf\n"
        "+++ b/etc/sysctl.d/60-t.conf\n"
        "@@ -1,5 +1,4 @@\n"
        "-net.ipv4.tcp_tw_recycle = 1\n"
        " # 1\n"
        " # 2\n"
        " # 3\n"
        "-net.ipv4.tcp_timestamps = 0\n"
        "+net.ipv4.tcp_timestamps = 1\n");
}

TEST_CASE("fix diff: the last line without a newline keeps having none") {
  CHECK(diff_of("# x\nnet.ipv4.tcp_fin_timeout = 30") ==
        "--- a/etc/sysctl.d/60-t.conf\n"
        "+++ b/etc/sysctl.d/60-t.conf\n"
        "@@ -1,2 +1,2 @@\n"
        " # x\n"
        "-net.ipv4.tcp_fin_timeout = 30\n"
        "\\ No newline at end of file\n"
        "+net.ipv4.tcp_fin_timeout = 60\n"
        "\\ No newline at end of file\n");
  CHECK(diff_of("net.ipv4.tcp_fin_timeout = 30\n# x") ==
        "--- a/etc/sysctl.d/60-t.conf\n"
        "+++ b/etc/sysctl.d/60-t.conf\n"
        "@@ -1,2 +1,2 @@\n"
        "-net.ipv4.tcp_fin_timeout = 30\n"
        "+net.ipv4.tcp_fin_timeout = 60\n"
        " # x\n"
        "\\ No newline at end of file\n");
}

TEST_CASE("fix diff: two fixes of one line: the first is taken; files in finding order") {
  // TT4005 sets lines 1 and 2 to the default; TT1006 (line 2) would delete line 1: left out
  // (its finding stays).
  std::string d = diff_of("net.ipv4.tcp_fin_timeout = 30\nnet.ipv4.tcp_fin_timeout = 45\n");
  CHECK(d ==
        "--- a/etc/sysctl.d/60-t.conf\n"
        "+++ b/etc/sysctl.d/60-t.conf\n"
        "@@ -1,2 +1,2 @@\n"
        "-net.ipv4.tcp_fin_timeout = 30\n"
        "+net.ipv4.tcp_fin_timeout = 60\n"
        "-net.ipv4.tcp_fin_timeout = 45\n"
        "+net.ipv4.tcp_fin_timeout = 60\n");
  d = diff_of({{"/etc/sysctl.d", "10-a.conf", "net.ipv4.tcp_timestamps = 0\n"},
               {"/etc/sysctl.d", "20-b.conf", "net.ipv4.tcp_fin_timeout = 30\n"}});
  CHECK(d.find("--- a/etc/sysctl.d/10-a.conf") < d.find("--- a/etc/sysctl.d/20-b.conf"));
  CHECK(d.find("--- a/etc/sysctl.d/20-b.conf") != std::string::npos);
}

TEST_CASE("fix diff: nothing to fix is an empty diff; CRLF files are left out") {
  CHECK(diff_of("net.ipv4.tcp_fin_timeout = 60\n").empty());
  CHECK(diff_of("net.ipv4.tcp_fin_timeout = 30\r\n").empty());
}

TEST_CASE("diff_path drops ./ and leading slashes") {
  CHECK(diff_path("/etc/sysctl.conf") == "etc/sysctl.conf");
  CHECK(diff_path("./etc/x.conf") == "etc/x.conf");
  CHECK(diff_path(".//a/b") == "a/b");
  CHECK(diff_path("a/b") == "a/b");
}
