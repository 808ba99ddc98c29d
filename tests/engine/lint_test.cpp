#include "engine/lint.hpp"

#include "core/version.hpp"
#include "engine/rule_loader.hpp"
#include "render/man_render.hpp"

#include <doctest/doctest.h>

#include <toml++/toml.h>
#include <algorithm>
#include <map>

#include "test_support.hpp"

using namespace tcptune;
using tcptune::test::FakeKeySource;
using tcptune::test::make_set;
using tcptune::test::MemFile;

namespace {

// A live kernel: the keys the tests use, at their 6.18 defaults.
const std::map<std::string, std::string>& live618_keys() {
  static const std::map<std::string, std::string> k{
      {"net/ipv4/tcp_tw_reuse", "2"},
      {"net/ipv4/tcp_tw_reuse_delay", "1000"},
      {"net/ipv4/tcp_timestamps", "1"},
      {"net/ipv4/tcp_fin_timeout", "60"},
      {"net/ipv4/tcp_max_tw_buckets", "131072"},
      {"net/ipv4/tcp_rmem", "4096 131072 33554432"},
      {"net/ipv4/tcp_wmem", "4096 16384 4194304"},
      {"net/ipv4/ip_local_port_range", "32768 60999"},
      {"net/ipv4/ip_local_reserved_ports", ""},
      {"net/ipv4/ip_unprivileged_port_start", "1024"},
      {"net/ipv4/tcp_syncookies", "1"},
      {"net/core/somaxconn", "4096"},
      {"net/ipv4/conf/all/rp_filter", "0"},
      {"net/ipv4/conf/default/rp_filter", "0"},
      {"net/ipv4/conf/lo/rp_filter", "0"},
      {"kernel/pid_max", "4194304"},
  };
  return k;
}

const FakeKeySource& live618() {
  static const FakeKeySource k(live618_keys());
  return k;
}

struct Run {
  std::vector<std::string> codes;  // "TTnnnn@file:line"
  LintReport report;
};

Run lint(const std::vector<MemFile>& files, bool live = true,
         std::optional<KernelVersion> kernel = KernelVersion{6, 18, 44},
         Semantics s = Semantics::systemd, std::set<std::string> exclude = {}) {
  ConfigSet set = make_set(files, s);
  LintOptions o;
  o.kernel = kernel;
  o.live = live ? &live618() : nullptr;
  o.exclude = std::move(exclude);
  Run r;
  r.report = run_lint(set, tcptune::test::shipped_keys(), tcptune::test::shipped_checks(), o);
  for (const Finding& f : r.report.findings) {
    std::string file = f.file.substr(f.file.rfind('/') + 1);
    r.codes.push_back(f.code + "@" + file + ":" + std::to_string(f.line));
  }
  return r;
}

Run one(const std::string& content, bool live = true,
        std::optional<KernelVersion> kernel = KernelVersion{6, 18, 44},
        Semantics s = Semantics::systemd) {
  return lint({{"/etc/sysctl.d", "90-t.conf", content}}, live, kernel, s);
}

bool has(const Run& r, const std::string& code) {
  return std::any_of(r.codes.begin(), r.codes.end(),
                     [&](const std::string& c) { return c.rfind(code, 0) == 0; });
}

const Finding& first(const Run& r, const std::string& code) {
  auto it = std::find_if(r.report.findings.begin(), r.report.findings.end(),
                         [&](const Finding& f) { return f.code == code; });
  REQUIRE(it != r.report.findings.end());
  return *it;
}

}  // namespace

TEST_CASE("the shipped catalogs load without errors and describe every code used") {
  std::vector<Finding> errors;
  Catalog keys;
  append(errors,
         load_key_catalog(tcptune::test::data_file("rules/keys.toml"), "rules/keys.toml", keys));
  append(errors, load_services(tcptune::test::data_file("rules/services.toml"),
                               "rules/services.toml", keys));
  CHECK(keys.service(3306) != nullptr);
  CHECK(keys.service(9000)->kind == "fastcgi");
  CheckCatalog checks;
  append(errors, load_check_catalog(tcptune::test::data_file("rules/lint.toml"), "rules/lint.toml",
                                    checks));
  for (const Finding& e : errors)
    FAIL_CHECK(e.file << ":" << e.line << ":" << e.column << ": " << e.message);
  CHECK(keys.all().size() >= 60);
  for (const char* code :
       {"TT1001", "TT1002", "TT1003", "TT1004", "TT1005", "TT1006", "TT1007", "TT1008",
        "TT1009", "TT1010", "TT1011", "TT1012", "TT2001", "TT2002", "TT2003", "TT2004",
        "TT2005", "TT2006", "TT2007", "TT3001", "TT3002", "TT3003", "TT4001", "TT4002",
        "TT4003", "TT4004", "TT4005", "TT4006", "TT4007", "TT4008", "TT5001", "TT5002",
        "TT5003", "TT5004", "TT5005", "TT5006", "TT5007", "TT0001"}) {
    CHECK_MESSAGE(checks.find(code) != nullptr, code);
  }
}

TEST_CASE("a clean file has no findings") {
  Run r =
      one("net.core.somaxconn = 8192\nnet.ipv4.tcp_fin_timeout = 60\nnet.ipv4.ip_local_port_range "
          "= 32768 60999\n");
  CHECK(r.codes.empty());
}

TEST_CASE("TT1006 the same key twice in one file") {
  Run r = one("net.core.somaxconn = 8192\nnet/core/somaxconn = 9000\n");
  CHECK(r.codes == std::vector<std::string>{"TT1006@90-t.conf:2"});
  CHECK(first(r, "TT1006").message ==
        "net.core.somaxconn is already set on line 1 of this file; this later assignment wins");
  CHECK_FALSE(has(one("net.core.somaxconn = 8192\nnet.ipv4.tcp_fin_timeout = 60\n"), "TT1006"));
}

TEST_CASE("TT2001 unknown key on a live kernel, with did-you-mean") {
  Run r = one("net.ipv4.tcp_rmen = 4096 131072 6291456\n");
  REQUIRE(r.codes == std::vector<std::string>{"TT2001@90-t.conf:1"});
  CHECK(first(r, "TT2001").message ==
        "net.ipv4.tcp_rmen does not exist on Linux 6.18.44; did you mean net.ipv4.tcp_rmem?");
  CHECK_FALSE(has(one("net.ipv4.tcp_rmem = 4096 131072 6291456\n"), "TT2001"));
}

TEST_CASE("TT2001 offline: the catalog says the key is not in that kernel") {
  Run r = one("net.ipv4.tcp_tw_reuse_delay = 500\n", false, KernelVersion{5, 15, 0});
  CHECK(has(r, "TT2001"));
  CHECK_FALSE(
      has(one("net.ipv4.tcp_tw_reuse_delay = 500\n", false, KernelVersion{6, 18, 0}), "TT2001"));
}

TEST_CASE("TT2002 offline unknown key, TT2006 a probable typo") {
  CHECK(one("vendor.thing.knob = 1\n", false, std::nullopt).codes ==
        std::vector<std::string>{"TT2002@90-t.conf:1"});
  Run typo = one("net.ipv4.tcp_rmen = 4096 131072 6291456\n", false, KernelVersion{5, 15, 0});
  CHECK(typo.codes == std::vector<std::string>{"TT2006@90-t.conf:1"});
  CHECK(first(typo, "TT2006").message ==
        "net.ipv4.tcp_rmen is not a key tcptune knows; did you mean net.ipv4.tcp_rmem?");
}

TEST_CASE("TT2003 tcp_tw_recycle, on every kernel") {
  Run now = one("net.ipv4.tcp_tw_recycle = 1\n");
  CHECK(now.codes == std::vector<std::string>{"TT2003@90-t.conf:1"});
  CHECK(first(now, "TT2003").severity == Severity::error);
  Run old = one("net.ipv4.tcp_tw_recycle = 1\n", false, KernelVersion{3, 10, 0});
  CHECK(old.codes == std::vector<std::string>{"TT2003@90-t.conf:1"});
  CHECK(first(old, "TT2003").message.find("behind NAT") != std::string::npos);
  CHECK(has(one("net.ipv4.tcp_tw_recycle = 0\n", false, std::nullopt), "TT2003"));
  CHECK_FALSE(has(one("net.ipv4.tcp_tw_reuse = 1\n"), "TT2003"));
}

TEST_CASE("TT2004 vendor-only key") {
  CHECK(one("net.ipv4.tcp_tw_timeout = 5\n").codes ==
        std::vector<std::string>{"TT2004@90-t.conf:1"});
  CHECK(one("net.ipv4.tcp_tw_timeout = 5\n", false).codes ==
        std::vector<std::string>{"TT2004@90-t.conf:1"});
}

TEST_CASE("TT2005 glob matching nothing; TT2007 interface that does not exist now") {
  CHECK(one("net.ipv4.conf.*.rp_fliter = 1\n").codes ==
        std::vector<std::string>{"TT2005@90-t.conf:1"});
  CHECK(one("net.ipv4.conf.*.rp_filter = 1\n").codes.empty());
  CHECK(one("net.ipv4.conf.eth0.rp_filter = 1\n").codes ==
        std::vector<std::string>{"TT2007@90-t.conf:1"});
  CHECK(one("net.ipv4.conf.lo.rp_filter = 1\n").codes.empty());
}

TEST_CASE("TT3001 / TT3002 / TT3003 values against the catalog") {
  CHECK(one("net.ipv4.tcp_fin_timeout = 30abc\n").codes ==
        std::vector<std::string>{"TT3001@90-t.conf:1"});
  CHECK(has(one("net.ipv4.tcp_rmem = \"16384 65536 524288\"\n"),
            "TT3001"));  // quotes are not stripped
  CHECK(has(one("net.ipv4.tcp_rmem = 4096 131072\n"), "TT3001"));
  CHECK(one("net.ipv4.tcp_tw_reuse = 3\n").codes == std::vector<std::string>{"TT3002@90-t.conf:1"});
  CHECK(one("net.ipv4.tcp_timestamps = 3\n").codes ==
        std::vector<std::string>{"TT3003@90-t.conf:1"});
  CHECK(has(one("net.core.somaxconn = 2147483648\n"), "TT3002"));
  CHECK(one("net.ipv4.tcp_timestamps = 1\nnet.ipv4.tcp_tw_reuse = 1\n").codes.empty());
  CHECK(one("net.ipv4.ip_local_reserved_ports = 8080,9000-9010\n").codes.empty());
  CHECK(has(one("net.ipv4.ip_local_reserved_ports = 8080;9000\n"), "TT3001"));
}

TEST_CASE("TT4001 port range parity; TT4002 start below ip_unprivileged_port_start") {
  CHECK(has(one("net.ipv4.ip_local_port_range = 32768 61000\n"), "TT4001"));
  CHECK_FALSE(has(one("net.ipv4.ip_local_port_range = 32768 60999\n"), "TT4001"));
  CHECK(has(one("net.ipv4.ip_local_port_range = 1000 60999\n"), "TT4002"));
  CHECK_FALSE(has(one("net.ipv4.ip_local_port_range = 1024 60999\n"), "TT4002"));
  // The effective ip_unprivileged_port_start counts, from the same set.
  CHECK_FALSE(has(
      one("net.ipv4.ip_unprivileged_port_start = 500\nnet.ipv4.ip_local_port_range = 1000 60999\n"),
      "TT4002"));
}

TEST_CASE("TT4003 port range over service ports, unless reserved") {
  Run r = one("net.ipv4.ip_local_port_range = 1024 65000\n");
  CHECK(has(r, "TT4003"));
  CHECK(first(r, "TT4003").message.find("3306 (MySQL)") != std::string::npos);
  CHECK_FALSE(has(one("net.ipv4.ip_local_port_range = 32768 60999\n"), "TT4003"));
  CHECK_FALSE(has(one("net.ipv4.ip_local_port_range = 10000 10001\n"
                      "net.ipv4.ip_local_reserved_ports = 10000-10001\n"),
                  "TT4003"));
}

TEST_CASE("TT4004 tcp_max_tw_buckets set low") {
  CHECK(has(one("net.ipv4.tcp_max_tw_buckets = 5000\n"), "TT4004"));
  CHECK(has(one("net.ipv4.tcp_max_tw_buckets = 0\n"), "TT4004"));
  CHECK_FALSE(has(one("net.ipv4.tcp_max_tw_buckets = 262144\n"), "TT4004"));
}

TEST_CASE("TT4005 tcp_fin_timeout lowered") {
  Run r = one("net.ipv4.tcp_fin_timeout = 30\n");
  CHECK(r.codes == std::vector<std::string>{"TT4005@90-t.conf:1"});
  CHECK(first(r, "TT4005").column == 28);
  CHECK_FALSE(has(one("net.ipv4.tcp_fin_timeout = 60\n"), "TT4005"));
}

TEST_CASE("TT4006 tw_reuse without timestamps; TT4008 timestamps off") {
  Run r = one("net.ipv4.tcp_timestamps = 0\nnet.ipv4.tcp_tw_reuse = 1\n");
  CHECK(r.codes == std::vector<std::string>{"TT4008@90-t.conf:1", "TT4006@90-t.conf:2"});
  CHECK_FALSE(has(one("net.ipv4.tcp_tw_reuse = 1\n"), "TT4006"));
  CHECK_FALSE(has(one("net.ipv4.tcp_timestamps = 1\n"), "TT4008"));
}

TEST_CASE("TT4007 somaxconn below the kernel's default") {
  CHECK(has(one("net.core.somaxconn = 1024\n"), "TT4007"));
  CHECK_FALSE(has(one("net.core.somaxconn = 1024\n", false, KernelVersion{4, 19, 0}),
                  "TT4007"));  // default was 128
  CHECK_FALSE(has(one("net.core.somaxconn = 65535\n"), "TT4007"));
}

TEST_CASE("TT5001 an administrator's value overridden later; TT5006 vendor or same value") {
  Run r = lint({{"/etc/sysctl.d", "10-mine.conf",
                 "net.ipv4.tcp_fin_timeout = 60\nnet.core.somaxconn = 8192\n"},
                {"/usr/lib/sysctl.d", "50-vendor.conf",
                 "net.ipv4.tcp_fin_timeout = 120\nnet.core.somaxconn = 8192\n"},
                {"/etc/sysctl.d", "90-override.conf", "kernel.pid_max = 4194304\n"},
                {"/usr/lib/sysctl.d", "20-vendor.conf", "kernel.pid_max = 32768\n"}});
  CHECK(r.codes == std::vector<std::string>{"TT5001@10-mine.conf:1", "TT5006@10-mine.conf:2",
                                            "TT5006@20-vendor.conf:1"});
  CHECK(first(r, "TT5001").message ==
        "net.ipv4.tcp_fin_timeout = 60 is overridden by /usr/lib/sysctl.d/50-vendor.conf:1 (120), "
        "which is applied later");
}

TEST_CASE("TT5003 procps: '-' does not save `sysctl -p` from a missing key") {
  CHECK(has(one("-net.ipv4.tcp_nope = 1\n", true, KernelVersion{6, 18, 44}, Semantics::procps),
            "TT5003"));
  CHECK(one("-net.ipv4.tcp_nope = 1\n").codes.empty());  // systemd ignores it as asked
  CHECK_FALSE(
      has(one("-net.core.somaxconn = 8192\n", true, KernelVersion{6, 18, 44}, Semantics::procps),
          "TT5003"));
}

TEST_CASE("suppression by directive and by --exclude") {
  CHECK(one("# tcptune: disable=TT4005\nnet.ipv4.tcp_fin_timeout = 30\n").codes.empty());
  CHECK(one("net.core.somaxconn = 8192\n# tcptune: disable=TT4005\nnet.ipv4.tcp_fin_timeout = 30\n"
            "net.ipv4.tcp_fin_timeout = 20\n")
            .codes == std::vector<std::string>{"TT1006@90-t.conf:4", "TT4005@90-t.conf:4"});
  CHECK(lint({{"/etc/sysctl.d", "90-t.conf", "net.ipv4.tcp_fin_timeout = 30\n"}}, true,
             KernelVersion{6, 18, 44}, Semantics::systemd, {"TT4005"})
            .codes.empty());
  Run unknown = one("# tcptune: disable=TT9999\nnet.core.somaxconn = 8192\n");
  CHECK(unknown.codes == std::vector<std::string>{"TT1012@90-t.conf:1"});
}

TEST_CASE("malformed input is shown whatever --exclude or a disable comment says") {
  // A line that is not read would otherwise pass CI as "ok" (exit 0 instead of 2).
  Run r = lint({{"/etc/sysctl.d", "90-t.conf",
                 "# tcptune: disable=TT1001\nnot an assignment\nnet.core.somaxconn = 8192\n"}},
               true, KernelVersion{6, 18, 44}, Semantics::systemd, {"TT1001"});
  REQUIRE(r.codes == std::vector<std::string>{"TT1001@90-t.conf:2"});
  CHECK(r.report.findings[0].invalid_input);
  // Past the per-file limit, the summary of what was cut keeps the malformed input's exit 2.
  std::string many;
  for (int i = 0; i < 300; ++i) many += "garbage " + std::to_string(i) + "\n";
  Run cut = one(many);
  const Finding& summary = first(cut, "TT1013");
  CHECK(summary.invalid_input);
  CHECK(summary.message.find("malformed or unreadable input") != std::string::npos);
}

TEST_CASE("severity, hint and source line come with each finding") {
  Run r = one("net.ipv4.tcp_fin_timeout = 30\n");
  const Finding& f = first(r, "TT4005");
  CHECK(f.severity == Severity::warning);
  CHECK_FALSE(f.hint.empty());
  CHECK(f.source_line == "net.ipv4.tcp_fin_timeout = 30");
  CHECK(f.key == std::optional<std::string>("net.ipv4.tcp_fin_timeout"));
  CHECK(f.value == std::optional<std::string>("30"));
}

TEST_CASE("man/tcptune-codes.7 is generated from the rules data and documents every code") {
  using namespace tcptune;
  // The whole catalog: the lint codes and the check rules, as `tcptune rules` loads them.
  CheckCatalog checks = test::shipped_checks();
  std::vector<Rule> rules;
  std::vector<Finding> errors = load_rules(test::data_file("rules/check.toml"), "rules/check.toml",
                                           test::shipped_keys(), rules, checks);
  REQUIRE(errors.empty());
  REQUIRE(checks.all().size() >= 60);

  std::string page = test::data_file("man/tcptune-codes.7");
  REQUIRE_FALSE(page.empty());
  for (const auto& entry : checks.all()) {
    // Not a structured binding: clang 14 cannot capture one in doctest's assertion lambdas.
    const auto& code = entry.first;
    const auto& info = entry.second;
    // Documented: a section of its own, and the data gives it something to say.
    CHECK_MESSAGE(page.find(".SS \"" + code + " " + info.name + "\"\n") != std::string::npos,
                  code << " is missing from man/tcptune-codes.7");
    CHECK_MESSAGE(info.explain.size() >= 40, code << " has no explanation");
    CHECK_MESSAGE(!info.hint.empty(), code << " has no hint");
    CHECK_MESSAGE(!info.references.empty(), code << " has no references");
  }
  // Generated, not edited: the checked-in page is exactly what the data gives.
  CHECK_MESSAGE(page == codes_man_page(checks, version()),
                "man/tcptune-codes.7 is stale: regenerate it with "
                "`cmake --build build --target man-codes`");
}

TEST_CASE("roff escaping") {
  using tcptune::roff_escape;
  CHECK(roff_escape("a\\b") == "a\\eb");
  CHECK(roff_escape(".x") == "\\&.x");
  CHECK(roff_escape("'x") == "\\&'x");
  CHECK(roff_escape("\xc2\xa7 1") == "\\[u00A7] 1");
  CHECK(roff_escape("\xf0\x9f\x98\x80") == "\\[u1F600]");
  CHECK(roff_escape("\xff") == "\\[uFFFD]");
  CHECK(roff_escape("\xe2\x80") == "\\[uFFFD]\\[uFFFD]");
  CHECK(roff_escape("a\tb") == "a b");
}

namespace {

// "--- /DIR/NAME" headers split a case's content into files; without one: /etc/sysctl.d/90-t.conf.
std::vector<MemFile> case_files(const std::string& content) {
  std::vector<MemFile> files;
  if (content.rfind("--- ", 0) != 0) return {{"/etc/sysctl.d", "90-t.conf", content}};
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t eol = content.find('\n', pos);
    std::string path = content.substr(pos + 4, eol - pos - 4);
    std::size_t next = content.find("\n--- ", eol);
    std::size_t end = next == std::string::npos ? content.size() : next + 1;
    std::size_t slash = path.rfind('/');
    files.push_back(
        {path.substr(0, slash), path.substr(slash + 1), content.substr(eol + 1, end - eol - 1)});
    pos = end;
  }
  return files;
}

}  // namespace

TEST_CASE("every lint check fires and stays quiet as tests/engine/lint_cases.toml says") {
  toml::table cases = toml::parse(tcptune::test::data_file("tests/engine/lint_cases.toml"));
  const CheckCatalog& checks = tcptune::test::shipped_checks();
  std::map<std::string, int> fires_cases;
  std::map<std::string, int> quiet_cases;
  const toml::array* arr = cases["case"].as_array();
  REQUIRE(arr != nullptr);
  for (const toml::node& n : *arr) {
    const toml::table& c = *n.as_table();
    std::string code = c["code"].value_or(std::string());
    int line = static_cast<int>(c.source().begin.line);
    REQUIRE_MESSAGE(checks.find(code) != nullptr, "case for unknown check " << code);
    std::map<std::string, std::string> keys = live618_keys();
    if (const toml::table* extra = c["live_keys"].as_table()) {
      for (const auto& [k, v] : *extra) keys[std::string(k.str())] = v.value_or(std::string());
    }
    FakeKeySource live(keys);
    LintOptions o;
    o.live = c["live"].value_or(true) ? &live : nullptr;
    std::string kernel = c["kernel"].value_or(std::string("6.18.44"));
    o.kernel = kernel.empty() ? std::nullopt : parse_kernel_version(kernel);
    Semantics sem =
        c["semantics"].value_or(std::string()) == "procps" ? Semantics::procps : Semantics::systemd;
    for (const char* kind : {"fires", "quiet"}) {
      std::optional<std::string> content = c[kind].value<std::string>();
      if (!content) continue;
      ConfigSet set = make_set(case_files(*content), sem);
      LintReport report =
          run_lint(set, tcptune::test::shipped_keys(), tcptune::test::shipped_checks(), o);
      bool found = std::any_of(report.findings.begin(), report.findings.end(),
                               [&](const Finding& f) { return f.code == code; });
      bool should = std::string(kind) == "fires";
      CHECK_MESSAGE(found == should,
                    code << " " << std::string(kind) << " case at lint_cases.toml:" << line);
      (should ? fires_cases : quiet_cases)[code]++;
    }
  }
  std::map<std::string, int> elsewhere;
  if (const toml::array* ew = cases["elsewhere"].as_array()) {
    for (const toml::node& n : *ew) {
      const toml::table& e = *n.as_table();
      std::string code = e["code"].value_or(std::string());
      CHECK_MESSAGE(!e["reason"].value_or(std::string()).empty(),
                    code << " is in [[elsewhere]] without a reason");
      const toml::array* tests = e["tests"].as_array();
      REQUIRE_MESSAGE(tests != nullptr, code);
      for (const toml::node& t : *tests) {
        std::string path = t.value_or(std::string());
        CHECK_MESSAGE(tcptune::test::data_file(path.c_str()).find(code) != std::string::npos,
                      path << " does not mention " << code);
      }
      elsewhere[code]++;
    }
  }
  for (const auto& [code, info] : checks.all()) {
    if (elsewhere.count(code) != 0) {
      CHECK_MESSAGE(fires_cases[code] + quiet_cases[code] == 0,
                    code << " is both in [[elsewhere]] and has cases");
      continue;
    }
    CHECK_MESSAGE(fires_cases[code] > 0, code << " has no case where it fires");
    CHECK_MESSAGE(quiet_cases[code] > 0, code << " has no case where it must stay quiet");
  }
}

TEST_CASE("findings from the boot model name only lines the parser read (systemd splits at CR)") {
  // systemd-sysctl ends a line at a CR, so its second write below is on its line 2; the parser
  // reads one line (TT1005). The refused write must not become a finding on a line 2 that the
  // file does not have (fuzz_sysctl_d found it).
  std::map<std::string, std::string> keys = live618_keys();
  keys["net/ipv4/tcp_congestion_control"] = "cubic";
  keys["net/ipv4/tcp_available_congestion_control"] = "reno cubic";
  FakeKeySource live(keys);
  LintOptions o;
  o.live = &live;
  o.kernel = KernelVersion{6, 18, 44};
  ConfigSet set = make_set({{"/etc/sysctl.d", "90-t.conf",
                             "net.core.somaxconn = 1\rnet.ipv4.tcp_congestion_control = nope\n"}});
  LintReport r = run_lint(set, tcptune::test::shipped_keys(), tcptune::test::shipped_checks(), o);
  REQUIRE(r.boot.has_value());
  bool refused = false;
  for (const auto& [path, k] : r.boot->keys) refused = refused || !k.refused.empty();
  CHECK(refused);  // the boot model does see the refused write on its line 2
  for (const Finding& f : r.findings) CHECK_MESSAGE(f.line <= 1, f.code << " at line " << f.line);
}
