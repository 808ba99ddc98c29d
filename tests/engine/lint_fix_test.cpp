#include "engine/lint_fix.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "engine/lint.hpp"
#include "test_support.hpp"

using namespace tcptune;
using tcptune::test::make_set;

namespace {

// Offline lint of one /etc/sysctl.d file for Linux 6.1 (the catalog answers every key).
LintReport lint_text(const std::string& content) {
  ConfigSet set = make_set({{"/etc/sysctl.d", "60-t.conf", content}});
  LintOptions o;
  o.kernel = KernelVersion{6, 1, 0};
  return run_lint(set, tcptune::test::shipped_keys(), tcptune::test::shipped_checks(), o);
}

const Finding* find(const LintReport& r, const std::string& code) {
  auto it = std::find_if(r.findings.begin(), r.findings.end(),
                         [&](const Finding& f) { return f.code == code; });
  return it == r.findings.end() ? nullptr : &*it;
}

// The text after every fix of `r` is applied (what a patch from `lint --format diff` does):
// edits by line, each line replaced at most once, the way render_fix_diff takes them.
std::string apply_fixes(const std::string& content, const LintReport& r) {
  std::vector<std::string> lines;
  for (std::string_view l : split(content, '\n')) lines.emplace_back(l);
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::map<int, std::vector<std::string>> repl;
  for (const Finding& f : r.findings) {
    if (!f.fix) continue;
    bool clash = false;
    for (const LineEdit& e : f.fix->edits) clash = clash || repl.count(e.line) != 0;
    if (clash) continue;
    for (const LineEdit& e : f.fix->edits) {
      REQUIRE(lines.at(static_cast<std::size_t>(e.line) - 1) == e.original);
      repl[e.line] = e.replacement;
    }
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto it = repl.find(static_cast<int>(i) + 1);
    if (it == repl.end()) {
      out += lines[i] + "\n";
    } else {
      for (const std::string& l : it->second) out += l + "\n";
    }
  }
  return out;
}

// The one fix of the one finding `code` in `content`: its description and the text after it.
struct Fixed {
  std::string description;
  std::vector<std::string> replacement;
  int line = 0;
};

Fixed fix_of(const std::string& content, const std::string& code) {
  LintReport r = lint_text(content);
  const Finding* f = find(r, code);
  REQUIRE_MESSAGE(f != nullptr, code << " not found");
  REQUIRE_MESSAGE(f->fix.has_value(), code << " has no fix");
  REQUIRE(f->fix->edits.size() == 1);
  // After the fix the finding is gone.
  LintReport again = lint_text(apply_fixes(content, r));
  CHECK_MESSAGE(find(again, code) == nullptr, code << " is still reported after its fix");
  return {f->fix->description, f->fix->edits[0].replacement, f->fix->edits[0].line};
}

}  // namespace

TEST_CASE(
    "lint_fix: a removed or vendor-only key, a low tcp_max_tw_buckets and an empty value: "
    "delete the line") {
  Fixed d = fix_of("net.ipv4.tcp_syncookies = 1\nnet.ipv4.tcp_tw_recycle = 1\n", "TT2003");
  CHECK(d.description == "Delete the line");
  CHECK(d.line == 2);
  CHECK(d.replacement.empty());
  d = fix_of("net.ipv4.tcp_max_tw_buckets = 5000\n", "TT4004");
  CHECK(d.description == "Delete the line (back to the boot default)");
  CHECK(d.replacement.empty());
  d = fix_of("net.ipv4.tcp_ecn =\n", "TT1011");
  CHECK(d.description == "Delete the line (an empty value)");
  CHECK(d.replacement.empty());
}

TEST_CASE("lint_fix: ip_local_port_range parity: the high end moves up, or down at 65535") {
  Fixed d = fix_of("net.ipv4.ip_local_port_range = 1024 65000\n", "TT4001");
  CHECK(d.replacement == std::vector<std::string>{"net.ipv4.ip_local_port_range = 1024 65001"});
  CHECK(d.description == "Set the range to 1024 65001 (ends of different parity)");
  d = fix_of("net.ipv4.ip_local_port_range = 32769 65535\n", "TT4001");
  CHECK(d.replacement == std::vector<std::string>{"net.ipv4.ip_local_port_range = 32769 65534"});
  // A tab between the ends is kept as written.
  d = fix_of("net.ipv4.ip_local_port_range=40000\t50000\n", "TT4001");
  CHECK(d.replacement == std::vector<std::string>{"net.ipv4.ip_local_port_range=40000\t50001"});
}

TEST_CASE("lint_fix: back to the kernel default (tcp_fin_timeout, somaxconn, tcp_timestamps)") {
  Fixed d = fix_of("net.ipv4.tcp_fin_timeout = 30\n", "TT4005");
  CHECK(d.replacement == std::vector<std::string>{"net.ipv4.tcp_fin_timeout = 60"});
  CHECK(d.description == "Set 60 (the kernel default)");
  d = fix_of("  net.core.somaxconn=128   \n", "TT4007");
  CHECK(d.replacement == std::vector<std::string>{"  net.core.somaxconn=4096   "});
  d = fix_of("net.ipv4.tcp_timestamps = 0\n", "TT4008");
  CHECK(d.replacement == std::vector<std::string>{"net.ipv4.tcp_timestamps = 1"});
}

TEST_CASE("lint_fix: an inline comment goes to its own line above, indentation kept") {
  Fixed d = fix_of("  net.ipv4.tcp_keepalive_time = 1200 # twenty minutes\n", "TT1014");
  CHECK(d.replacement ==
        std::vector<std::string>{"  # twenty minutes", "  net.ipv4.tcp_keepalive_time = 1200"});
  CHECK(d.description == "Move the inline comment to its own line (the value is 1200)");
  // Not when the value without the comment is still wrong: that needs a judgement.
  LintReport r = lint_text("net.ipv4.tcp_keepalive_time = abc # hmm\n");
  REQUIRE(find(r, "TT3001") != nullptr);
  CHECK_FALSE(find(r, "TT3001")->fix.has_value());
  // Nor for a second number (the kernel keeps 12): which one was meant needs a judgement.
  r = lint_text("net.ipv4.tcp_keepalive_time = 12 00\n");
  REQUIRE(find(r, "TT1014") != nullptr);
  CHECK_FALSE(find(r, "TT1014")->fix.has_value());
}

TEST_CASE("lint_fix: a misspelt key with one suggestion is corrected in place") {
  Fixed d = fix_of("net.ipv4.tcp_slow_start_after_idel = 0\n", "TT2006");
  CHECK(d.replacement == std::vector<std::string>{"net.ipv4.tcp_slow_start_after_idle = 0"});
  CHECK(d.description == "Correct the key to net.ipv4.tcp_slow_start_after_idle");
}

TEST_CASE("lint_fix: a key assigned twice: the earlier line goes") {
  LintReport r =
      lint_text("net.ipv4.tcp_sack = 1\nnet.core.somaxconn = 8192\nnet.ipv4.tcp_sack = 1\n");
  const Finding* f = find(r, "TT1006");
  REQUIRE(f != nullptr);
  REQUIRE(f->fix.has_value());
  CHECK(f->line == 3);
  REQUIRE(f->fix->edits.size() == 1);
  CHECK(f->fix->edits[0].line == 1);
  CHECK(f->fix->edits[0].replacement.empty());
  CHECK(find(lint_text(apply_fixes("net.ipv4.tcp_sack = 1\nnet.core.somaxconn = 8192\n"
                                   "net.ipv4.tcp_sack = 1\n",
                                   r)),
             "TT1006") == nullptr);
}

TEST_CASE("lint_fix: no fix where the file's lines are not exact or a judgement is needed") {
  // CRLF: a diff against the stripped lines would not apply.
  LintReport r = lint_text("net.ipv4.tcp_fin_timeout = 30\r\n");
  REQUIRE(find(r, "TT4005") != nullptr);
  CHECK_FALSE(find(r, "TT4005")->fix.has_value());
  // Port ranges over service ports (TT4003) and unknown keys without a suggestion (TT2002).
  r = lint_text("net.ipv4.ip_local_port_range = 1024 65001\nnet.ipv4.tcp_frobnicate_xyz = 1\n");
  REQUIRE(find(r, "TT4003") != nullptr);
  CHECK_FALSE(find(r, "TT4003")->fix.has_value());
  REQUIRE(find(r, "TT2002") != nullptr);
  CHECK_FALSE(find(r, "TT2002")->fix.has_value());
  // A clean file has nothing to fix.
  r = lint_text("net.ipv4.tcp_fin_timeout = 60\n");
  CHECK(r.findings.empty());
}

TEST_CASE("lint_fix: the last line of a file without a final newline is marked so") {
  LintReport r = lint_text("net.ipv4.tcp_syncookies = 1\nnet.ipv4.tcp_fin_timeout = 30");
  const Finding* f = find(r, "TT4005");
  REQUIRE(f != nullptr);
  REQUIRE(f->fix.has_value());
  CHECK_FALSE(f->fix->edits[0].final_newline);
  r = lint_text("net.ipv4.tcp_fin_timeout = 30\nnet.ipv4.tcp_syncookies = 1");
  REQUIRE(find(r, "TT4005") != nullptr);
  CHECK(find(r, "TT4005")->fix->edits[0].final_newline);
}

TEST_CASE("splice replaces bytes from a 1-based column") {
  CHECK(splice("a = 30", 5, 2, "60") == "a = 60");
  CHECK(splice("a = 30 # x", 5, 6, "60") == "a = 60");
  CHECK(splice("abc", 4, 0, "d") == "abcd");
}

TEST_CASE(
    "lint_fix: on every fixture and fuzz seed, the fixes remove their findings and add none") {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const char* dir : {"tests/fixtures", "tests/fuzz/corpus/sysctl_d"}) {
    fs::path base = fs::path(TCPTUNE_TEST_DATA_DIR) / dir;
    for (const auto& e : fs::recursive_directory_iterator(base)) {
      if (!e.is_regular_file() || e.is_symlink()) continue;
      std::string name = e.path().filename().string();
      bool conf = name.size() > 5 && name.compare(name.size() - 5, 5, ".conf") == 0;
      if (conf || std::string(dir).find("fuzz") != std::string::npos) files.push_back(e.path());
    }
  }
  REQUIRE(files.size() > 50);
  int fixed_total = 0;
  for (const fs::path& path : files) {
    Result<std::string> text = read_plain_file(path.string());
    if (!text.ok()) continue;
    LintReport before = lint_text(text.value());
    // A (code, key) counts as fixed when every finding of it had a fix that was taken.
    std::map<std::pair<std::string, std::string>, bool> all_fixed;
    std::map<int, bool> taken;
    for (const Finding& f : before.findings) {
      auto id = std::make_pair(f.code, f.key.value_or(""));
      bool ok = f.fix.has_value();
      if (ok) {
        for (const LineEdit& e : f.fix->edits) ok = ok && taken.count(e.line) == 0;
        if (ok)
          for (const LineEdit& e : f.fix->edits) taken[e.line] = true;
      }
      auto [it, inserted] = all_fixed.try_emplace(id, ok);
      if (!inserted) it->second = it->second && ok;
    }
    LintReport after = lint_text(apply_fixes(text.value(), before));
    for (const Finding& f : after.findings) {
      auto id = std::make_pair(f.code, f.key.value_or(""));
      auto it = all_fixed.find(id);
      CHECK_MESSAGE(it != all_fixed.end(), path.string()
                                               << ": the fixes brought " << f.code << " on line "
                                               << f.line << ": " << f.message);
      if (it != all_fixed.end())
        CHECK_MESSAGE(!it->second, path.string() << ": " << f.code << " on line " << f.line
                                                 << " is still there after its fix");
    }
    for (const auto& [id, ok] : all_fixed) fixed_total += ok ? 1 : 0;
  }
  CHECK(fixed_total >= 20);  // the fixtures do hold fixable findings
}
