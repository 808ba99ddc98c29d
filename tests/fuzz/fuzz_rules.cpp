// libFuzzer target: the `check` rule loader (load_rules in src/engine/rule_loader.hpp) with the
// shipped key catalog and lint codes, then the loaded rules run against fixed facts.
//
// Input: a rule document (TOML, the schema of rules/check.toml and rules/README.md).
//
// Invariants: the loader never throws; every error is a TT0001 finding in the given file; a rule
// is loaded only when it has no error, and then its code is new and added to the check catalog,
// its condition has the shape the evaluator relies on (check_condition_shape), and every
// {name} in its message and hint is evidence (or {key}); running the loaded rules reports only
// their codes, in severity-then-code order.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "engine/rule_loader.hpp"
#include "engine/rules.hpp"
#include "fuzz_support.hpp"

using namespace tcptune;

namespace {

const fuzz::TextFacts& facts() {
  static const fuzz::TextFacts f(
      "kernel = 5.15.0-91-generic\n"
      "live.net.ipv4.tcp_tw_reuse = 1\n"
      "live.net.ipv4.tcp_timestamps = 0\n"
      "live.net.ipv4.tcp_fin_timeout = 30\n"
      "live.net.ipv4.ip_local_port_range = 32768\t60999\n"
      "live.net.ipv4.tcp_max_tw_buckets = 1024\n"
      "live.net.core.somaxconn = 128\n"
      "persisted.net.ipv4.tcp_tw_reuse = 0\n"
      "persisted.net.ipv4.tcp_fin_timeout = 15\n"
      "assigned.net.ipv4.tcp_fin_timeout = 2\n"
      "census.min_headroom_pct = 3.5\n"
      "census.worst.destination = \"10.0.0.5:3306\"\n"
      "census.states.TIME_WAIT = 28000\n"
      "counter.TcpExt.TCPTimeWaitOverflow = 12\n"
      "profile = web\n"
      "cmdline = sysctl.net.ipv4.tcp_tw_reuse=2 panic=10\n",
      fuzz::shipped_keys());
  return f;
}

void check_rule(const Rule& r) {
  std::string where = r.source + " " + r.code;
  TCPTUNE_FUZZ_CHECK(r.foreach.empty() || r.foreach == "persisted" || r.foreach == "live", where);
  bool each = !r.foreach.empty();
  TCPTUNE_FUZZ_CHECK(!(each && r.key), where + ": a foreach rule with a key");
  fuzz::check_condition_shape(r.when, where);
  std::set<std::string> known;
  for (const auto& [alias, ref] : r.evidence) {
    TCPTUNE_FUZZ_CHECK(alias != "key", where + ": evidence named 'key'");
    TCPTUNE_FUZZ_CHECK(each || !ref.each, where + ": '$' outside a foreach rule");
    known.insert(alias);
  }
  if (r.key || each) known.insert("key");
  for (const std::string* tmpl : {&r.message, &r.hint}) {
    bool balanced = true;
    for (const std::string& name : template_names(*tmpl, balanced)) {
      TCPTUNE_FUZZ_CHECK(known.count(name) != 0, where + ": {" + name + "} is not evidence");
    }
    TCPTUNE_FUZZ_CHECK(balanced, where + ": unbalanced braces in '" + *tmpl + "'");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)fuzz::shipped_checks();
  (void)facts();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(fuzz::as_text(data, size));
  const std::string file = "rules/fuzz.toml";
  std::vector<Rule> rules;
  CheckCatalog checks = fuzz::shipped_checks();
  const std::size_t known_codes = checks.all().size();
  std::vector<Finding> errors;
  fuzz::no_throw("load_rules", [&] {
    append(errors, load_rules(text, file, fuzz::shipped_keys(), rules, checks));
  });
  for (const Finding& e : errors) {
    TCPTUNE_FUZZ_CHECK(e.code == "TT0001" && e.file == file && e.invalid_input &&
                           e.severity == Severity::error && !e.message.empty(),
                       e.code + " " + e.file + ": " + e.message);
    TCPTUNE_FUZZ_CHECK(e.line >= 1 && e.column >= 1,
                       "error without a position (" + std::to_string(e.line) + ":" +
                           std::to_string(e.column) + "): " + e.message);
  }
  TCPTUNE_FUZZ_CHECK(checks.all().size() == known_codes + rules.size(),
                     "each loaded rule adds one new code");
  std::set<std::string> codes;
  for (const Rule& r : rules) {
    TCPTUNE_FUZZ_CHECK(codes.insert(r.code).second, "duplicate code " + r.code);
    TCPTUNE_FUZZ_CHECK(fuzz::shipped_checks().find(r.code) == nullptr, r.code + " is a lint code");
    check_rule(r);
  }
  std::vector<Finding> findings;
  fuzz::no_throw("run_rules", [&] { findings = run_rules(rules, facts()); });
  fuzz::check_rule_findings(findings, codes);
  return 0;
}
