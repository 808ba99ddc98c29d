// The rule engine: every shipped check rule fires on its `fires` facts and stays quiet on its
// `quiet` facts (tests/engine/rule_cases.toml); three-valued logic; templates; the loaders'
// errors for malformed rules and profiles; profile resolution and the plan.

#include <doctest/doctest.h>

#include <toml++/toml.h>
#include <map>
#include <set>
#include <string>

#include "core/sysctl_key.hpp"
#include "engine/advisor.hpp"
#include "engine/host_facts.hpp"
#include "engine/profiles.hpp"
#include "engine/rule_loader.hpp"
#include "engine/rules.hpp"
#include "test_support.hpp"

using namespace tcptune;

namespace {

/// Facts from a name → value table, named as rules write them.
class MapFacts final : public FactSource {
 public:
  std::map<std::string, FactValue> values;

  static std::string name_of(const FactRef& ref, const std::string& each) {
    static const std::map<FactKind, std::string> prefix = {
        {FactKind::live, "live"},         {FactKind::persisted, "persisted"},
        {FactKind::assigned, "assigned"}, {FactKind::default_, "default"},
        {FactKind::netns, "netns"},       {FactKind::netns_init, "netns_init"},
        {FactKind::census, "census"},     {FactKind::counter, "counter"},
        {FactKind::sockstat, "sockstat"}, {FactKind::host, "host"},
        {FactKind::config, "config"},     {FactKind::derived, "derived"},
        {FactKind::boot, "boot"}};
    if (ref.kind == FactKind::kernel) return "kernel";
    if (ref.kind == FactKind::profile) return "profile";
    bool key = ref.kind == FactKind::live || ref.kind == FactKind::persisted ||
               ref.kind == FactKind::assigned || ref.kind == FactKind::default_ ||
               ref.kind == FactKind::netns || ref.kind == FactKind::netns_init ||
               ref.kind == FactKind::boot;
    std::string name = key ? path_to_key(ref.each ? each : ref.path) : ref.path;
    return prefix.at(ref.kind) + "." + name;
  }

  std::optional<FactValue> get(const FactRef& ref, const std::string& each) const override {
    std::string name = name_of(ref, each);
    if (ref.kind == FactKind::derived) {
      // As HostFacts derives them: from the live port range.
      auto it = values.find("live.net.ipv4.ip_local_port_range");
      if (it == values.end()) return std::nullopt;
      std::string raw = fact_text(it->second);
      auto lo = value_fact(raw, 0);
      auto hi = value_fact(raw, 1);
      std::int64_t l = std::get<std::int64_t>(*lo);
      std::int64_t h = std::get<std::int64_t>(*hi);
      if (ref.path == "port_range.low") return FactValue{l};
      if (ref.path == "port_range.high") return FactValue{h};
      if (ref.path == "port_range.size") return FactValue{h - l + 1};
      return FactValue{std::int64_t{l % 2 == h % 2 ? 1 : 0}};
    }
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    if ((ref.kind == FactKind::live || ref.kind == FactKind::persisted ||
         ref.kind == FactKind::default_) &&
        std::holds_alternative<std::string>(it->second)) {
      return value_fact(std::get<std::string>(it->second), ref.index);
    }
    return it->second;
  }

  std::vector<std::string> keys(std::string_view domain) const override {
    std::set<std::string> out;
    std::string prefix = std::string(domain) + ".";
    for (const auto& [name, v] : values) {
      if (name.rfind(prefix, 0) == 0) out.insert(normalize_key(name.substr(prefix.size())).path);
    }
    return {out.begin(), out.end()};
  }

  std::optional<Location> persisted_at(const std::string&) const override { return std::nullopt; }
};

MapFacts facts_from(const toml::table& t) {
  MapFacts f;
  for (const auto& [k, node] : t) {
    std::string name(k.str());
    if (const auto* i = node.as_integer()) {
      f.values[name] = FactValue{i->get()};
    } else if (const auto* d = node.as_floating_point()) {
      f.values[name] = FactValue{d->get()};
    } else if (const auto* s = node.as_string()) {
      if (name == "kernel") {
        f.values[name] = FactValue{*parse_kernel_version(s->get())};
      } else {
        f.values[name] = FactValue{s->get()};
      }
    }
  }
  return f;
}

struct Shipped {
  std::vector<Rule> rules;
  CheckCatalog checks;
  std::vector<Finding> errors;
};

const Shipped& shipped_rules() {
  static const Shipped s = [] {
    Shipped out;
    append(out.errors, load_rules(test::data_file("rules/check.toml"), "rules/check.toml",
                                  test::shipped_keys(), out.rules, out.checks));
    return out;
  }();
  return s;
}

std::vector<Finding> load_errors(const std::string& text) {
  std::vector<Rule> rules;
  CheckCatalog checks;
  std::vector<Finding> errors = load_rules(text, "t.toml", test::shipped_keys(), rules, checks);
  return errors;
}

const std::string k_rule_head =
    "[[rule]]\ncode = \"TT6999\"\nname = \"n\"\nseverity = \"warning\"\ntitle = \"t\"\n"
    "hint = \"h\"\nexplain = \"e\"\nreferences = []\n";

}  // namespace

TEST_CASE("shipped check rules load and every rule fires and stays quiet as its cases say") {
  const Shipped& s = shipped_rules();
  for (const Finding& e : s.errors)
    FAIL_CHECK(e.file << ":" << e.line << ":" << e.column << ": " << e.message);
  REQUIRE(s.errors.empty());
  REQUIRE(s.rules.size() >= 25);
  toml::table cases = toml::parse(test::data_file("tests/engine/rule_cases.toml"));
  std::map<std::string, int> fires_cases;
  std::map<std::string, int> quiet_cases;
  const toml::array* arr = cases["case"].as_array();
  REQUIRE(arr != nullptr);
  for (const toml::node& n : *arr) {
    const toml::table& c = *n.as_table();
    std::string code = c["code"].value_or(std::string());
    const Rule* rule = nullptr;
    for (const Rule& r : s.rules) {
      if (r.code == code) rule = &r;
    }
    REQUIRE_MESSAGE(rule != nullptr, "case for unknown rule " << code);
    for (const char* kind : {"fires", "quiet"}) {
      const toml::table* t = c[kind].as_table();
      if (t == nullptr) continue;
      MapFacts facts = facts_from(*t);
      std::vector<Finding> found = run_rules({*rule}, facts);
      bool should = std::string(kind) == "fires";
      CHECK_MESSAGE(found.empty() != should,
                    code << " " << kind << " case at line " << c.source().begin.line);
      (should ? fires_cases : quiet_cases)[code]++;
      for (const Finding& f : found) {
        CHECK_MESSAGE(f.message.find('{') == std::string::npos, code << ": " << f.message);
        CHECK(f.code == code);
        CHECK(f.severity == rule->severity);
      }
    }
  }
  for (const Rule& r : s.rules) {
    CHECK_MESSAGE(fires_cases[r.code] > 0, r.code << " has no case where it fires");
    CHECK_MESSAGE(quiet_cases[r.code] > 0, r.code << " has no case where it must stay quiet");
    const CheckInfo* info = s.checks.find(r.code);
    REQUIRE_MESSAGE(info != nullptr, r.code << " is not in the check catalog");
    CHECK_MESSAGE(!info->explain.empty(), r.code);
    CHECK_MESSAGE(!info->references.empty(), r.code << " has no reference");
    CHECK(info->hint == r.hint);
    CHECK(info->severity == r.severity);
  }
}

TEST_CASE("three-valued logic: absent facts are unknown, and unknown never fires") {
  Catalog keys = test::shipped_keys();
  auto ref = [&](const char* t) { return parse_fact_ref(t, keys, false).value(); };
  Condition cmp;
  cmp.fact = ref("census.states.TIME_WAIT");
  cmp.op = CompareOp::gt;
  cmp.values = {FactValue{std::int64_t{10}}};
  MapFacts none;
  CHECK(evaluate(cmp, none, "") == Tri::unknown);
  Condition neg;
  neg.kind = Condition::Kind::not_;
  neg.children = {cmp};
  CHECK(evaluate(neg, none, "") == Tri::unknown);
  Condition absent = cmp;
  absent.op = CompareOp::absent;
  absent.values.clear();
  CHECK(evaluate(absent, none, "") == Tri::yes);
  Condition any;
  any.kind = Condition::Kind::any;
  any.children = {cmp, absent};
  CHECK(evaluate(any, none, "") == Tri::yes);
  Condition all;
  all.kind = Condition::Kind::all;
  all.children = {cmp, absent};
  CHECK(evaluate(all, none, "") == Tri::unknown);
  MapFacts some;
  some.values["census.states.TIME_WAIT"] = FactValue{std::int64_t{3}};
  CHECK(evaluate(all, some, "") == Tri::no);
  CHECK(evaluate(neg, some, "") == Tri::yes);
}

TEST_CASE("kernel versions compare as versions") {
  Catalog keys = test::shipped_keys();
  Condition c;
  c.fact = parse_fact_ref("kernel", keys, false).value();
  c.op = CompareOp::lt;
  c.values = {FactValue{*parse_kernel_version("4.12")}};
  MapFacts f;
  f.values["kernel"] = FactValue{*parse_kernel_version("4.9.0")};
  CHECK(evaluate(c, f, "") == Tri::yes);
  f.values["kernel"] = FactValue{*parse_kernel_version("4.19")};
  CHECK(evaluate(c, f, "") == Tri::no);
  f.values["kernel"] = FactValue{*parse_kernel_version("10.0")};  // not "10.0" < "4.12" as text
  CHECK(evaluate(c, f, "") == Tri::no);
}

TEST_CASE("templates: evidence names, escaped braces, unknown names kept") {
  CHECK(interpolate("{a} of {b} {{x}} {c}", {{"a", "1"}, {"b", "2"}}) == "1 of 2 {x} {c}");
  bool balanced = true;
  CHECK(template_names("{a} and {b}", balanced) == std::vector<std::string>{"a", "b"});
  CHECK(balanced);
  template_names("{a", balanced);
  CHECK_FALSE(balanced);
}

TEST_CASE("malformed rules are load errors with file:line:col, never a silently dead rule") {
  SUBCASE("unknown field") {
    auto e = load_errors(
        k_rule_head +
        "message = \"m\"\nwhen = { fact = \"kernel\", op = \"present\" }\nseverty = \"error\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].message.find("unknown field 'severty'") != std::string::npos);
    CHECK(e[0].file == "t.toml");
    CHECK(e[0].line == 11);
    CHECK(e[0].column > 0);
    CHECK(e[0].invalid_input);
  }
  SUBCASE("unknown fact, with a suggestion") {
    auto e = load_errors(
        k_rule_head +
        "message = \"m\"\nwhen = { fact = \"census.states.TIME_WAITT\", op = \">\", value = 1 }\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].message.find("did you mean 'states.TIME_WAIT'") != std::string::npos);
  }
  SUBCASE("unknown key in a fact") {
    auto e = load_errors(k_rule_head +
                         "message = \"m\"\nwhen = { fact = \"live.net.ipv4.tcp_tw_reuze\", op = "
                         "\"==\", value = 1 }\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].message.find("tcp_tw_reuse") != std::string::npos);
  }
  SUBCASE("unknown op, missing value, value on present") {
    CHECK(
        load_errors(k_rule_head +
                    "message = \"m\"\nwhen = { fact = \"kernel\", op = \"=>\", value = \"4.1\" }\n")
            .size() == 1);
    CHECK(
        load_errors(k_rule_head +
                    "message = \"m\"\nwhen = { fact = \"live.net.core.somaxconn\", op = \">\" }\n")
            .size() == 1);
    CHECK(load_errors(k_rule_head + "message = \"m\"\nwhen = { fact = \"live.net.core.somaxconn\", "
                                    "op = \"present\", value = 1 }\n")
              .size() == 1);
  }
  SUBCASE("a kernel comparison needs a version string") {
    auto e = load_errors(
        k_rule_head + "message = \"m\"\nwhen = { fact = \"kernel\", op = \">=\", value = 4.12 }\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].message.find("kernel version") != std::string::npos);
  }
  SUBCASE("a condition with two forms, an empty all") {
    CHECK(load_errors(k_rule_head +
                      "message = \"m\"\nwhen = { fact = \"kernel\", op = \"present\", all = [] }\n")
              .size() >= 1);
    CHECK(load_errors(k_rule_head + "message = \"m\"\nwhen = { all = [] }\n").size() == 1);
  }
  SUBCASE("template names must be evidence") {
    auto e = load_errors(
        k_rule_head +
        "message = \"{count} sockets\"\nwhen = { fact = \"kernel\", op = \"present\" }\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].message.find("{count}") != std::string::npos);
  }
  SUBCASE("$ only in foreach rules") {
    auto e = load_errors(k_rule_head +
                         "message = \"m\"\nwhen = { fact = \"live.$\", op = \"present\" }\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].message.find("foreach") != std::string::npos);
  }
  SUBCASE("a code taken by a lint check") {
    std::vector<Rule> rules;
    CheckCatalog checks = test::shipped_checks();
    std::vector<Finding> errors;
    std::string text =
        k_rule_head + "message = \"m\"\nwhen = { fact = \"kernel\", op = \"present\" }\n";
    text.replace(text.find("TT6999"), 6, "TT2003");
    append(errors, load_rules(text, "t.toml", test::shipped_keys(), rules, checks));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message.find("duplicate code") != std::string::npos);
  }
  SUBCASE("TOML syntax error") {
    auto e = load_errors("[[rule]\ncode = 1\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].line == 1);
  }
}

namespace {

std::vector<Profile> profiles_from(const std::vector<std::pair<std::string, std::string>>& docs,
                                   std::vector<Finding>& errors) {
  std::vector<Profile> out;
  for (const auto& [file, text] : docs)
    append(errors, load_profile(text, file, "shipped", test::shipped_keys(), out));
  return out;
}

}  // namespace

TEST_CASE("profiles: shipped ones load and resolve; children override parents") {
  std::vector<Finding> errors;
  std::vector<std::pair<std::string, std::string>> docs;
  for (const char* n : {"base", "web", "db-client", "load-tester"}) {
    std::string rel = std::string("profiles/") + n + ".toml";
    docs.emplace_back(rel, test::data_file(rel.c_str()));
  }
  std::vector<Profile> profiles = profiles_from(docs, errors);
  for (const Finding& e : errors) FAIL_CHECK(e.file << ":" << e.line << ": " << e.message);
  REQUIRE(profiles.size() == 4);
  for (const char* n : {"base", "web", "db-client", "load-tester"}) {
    auto r = resolve_profile(n, profiles);
    REQUIRE(r.ok());
    const ResolvedProfile& p = r.value();
    bool recycle_absent = false;
    for (const ProfileSetting& s : p.settings) {
      if (s.key == "net.ipv4.tcp_tw_recycle") recycle_absent = s.op == TargetOp::absent;
      CHECK_MESSAGE(!s.rationale.empty(), s.key);
      CHECK_MESSAGE(!s.reference.empty(), s.key);
    }
    CHECK_MESSAGE(recycle_absent, n);
  }
  auto lt = resolve_profile("load-tester", profiles).value();
  CHECK(lt.chain == std::vector<std::string>{"load-tester", "base"});
  for (const ProfileSetting& s : lt.settings) {
    if (s.key == "net.ipv4.tcp_max_tw_buckets") {
      CHECK(s.value == "262144");  // overrides base's 32768
      CHECK(s.profile == "load-tester");
    }
  }
}

TEST_CASE("profiles: load errors name the file and line") {
  std::vector<Finding> errors;
  auto setting = [](const std::string& body) {
    return "name = \"p\"\nsummary = \"s\"\n[[setting]]\n" + body +
           "rationale = \"r\"\nreference = \"f\"\n";
  };
  SUBCASE("unknown key") {
    profiles_from({{"p.toml", setting("key = \"net.ipv4.tcp_tw_reuze\"\nop = \"=\"\nvalue = 1\n")}},
                  errors);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 4);
    CHECK(errors[0].message.find("did you mean") != std::string::npos);
  }
  SUBCASE("value the kernel rejects") {
    profiles_from({{"p.toml", setting("key = \"net.ipv4.tcp_tw_reuse\"\nop = \"=\"\nvalue = 7\n")}},
                  errors);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 6);
  }
  SUBCASE(">= on a vector key") {
    profiles_from(
        {{"p.toml",
          setting("key = \"net.ipv4.ip_local_port_range\"\nop = \">=\"\nvalue = \"1 2\"\n")}},
        errors);
    CHECK(errors.size() == 1);
  }
  SUBCASE("absent with a value, bad kernel constraint, unknown field") {
    profiles_from(
        {{"p.toml", setting("key = \"net.ipv4.tcp_tw_recycle\"\nop = \"absent\"\nvalue = 0\n")}},
        errors);
    profiles_from(
        {{"q.toml",
          "name = \"q\"\nsummary = \"s\"\n[[setting]]\nkey = \"net.core.somaxconn\"\nop = "
          "\">=\"\nvalue = 4096\nkernel = \"since 5.4\"\nrationale = \"r\"\nreference = \"f\"\n"}},
        errors);
    profiles_from({{"r.toml", "name = \"r\"\nsummary = \"s\"\nextend = \"base\"\n"}}, errors);
    CHECK(errors.size() == 3);
  }
  SUBCASE("an unknown parent and a cycle fail to resolve") {
    auto p = profiles_from({{"a.toml", "name = \"a\"\nsummary = \"s\"\nextends = \"b\"\n"},
                            {"b.toml", "name = \"b\"\nsummary = \"s\"\nextends = \"a\"\n"},
                            {"c.toml", "name = \"c\"\nsummary = \"s\"\nextends = \"nope\"\n"}},
                           errors);
    CHECK(errors.empty());
    CHECK_FALSE(resolve_profile("a", p).ok());
    CHECK(resolve_profile("c", p).error().find("unknown profile 'nope'") != std::string::npos);
  }
  SUBCASE("the same name twice") {
    profiles_from({{"a.toml", "name = \"a\"\nsummary = \"s\"\n"},
                   {"a2.toml", "name = \"a\"\nsummary = \"s\"\n"}},
                  errors);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message.find("already defined") != std::string::npos);
  }
}

TEST_CASE("plan: a change when the live or the boot-time value misses the target") {
  std::vector<Finding> errors;
  auto profiles =
      profiles_from({{"p.toml",
                      "name = \"p\"\nsummary = \"s\"\n"
                      "[[setting]]\nkey = \"net.ipv4.tcp_tw_reuse\"\nop = \"=\"\nvalue = "
                      "1\nrationale = \"r\"\nreference = \"f\"\n"
                      "[[setting]]\nkey = \"net.core.somaxconn\"\nop = \">=\"\nvalue = "
                      "4096\nrationale = \"r\"\nreference = \"f\"\n"
                      "[[setting]]\nkey = \"net.ipv4.tcp_tw_recycle\"\nop = \"absent\"\nrationale "
                      "= \"r\"\nreference = \"f\"\n"
                      "[[setting]]\nkey = \"net.ipv4.tcp_tw_reuse_delay\"\nop = \"<=\"\nvalue = "
                      "1000\nkernel = \">= 6.14\"\nrationale = \"r\"\nreference = \"f\"\n"}},
                    errors);
  REQUIRE(errors.empty());
  const ResolvedProfile p = resolve_profile("p", profiles).value();
  MapFacts f;
  f.values["kernel"] = FactValue{*parse_kernel_version("6.1")};
  f.values["live.net.ipv4.tcp_tw_reuse"] = FactValue{std::int64_t{1}};
  f.values["persisted.net.ipv4.tcp_tw_reuse"] = FactValue{std::int64_t{0}};  // lost at reboot
  f.values["live.net.core.somaxconn"] = FactValue{std::int64_t{8192}};       // meets >= 4096
  f.values["default.net.core.somaxconn"] = FactValue{std::int64_t{4096}};
  f.values["persisted.net.ipv4.tcp_tw_recycle"] = FactValue{std::int64_t{1}};
  Plan plan = make_plan(p, f);
  REQUIRE(plan.changes.size() == 2);
  CHECK(plan.changes[0].key == "net.ipv4.tcp_tw_recycle");
  CHECK(plan.changes[0].persist);
  CHECK_FALSE(plan.changes[0].live);  // the key does not exist live
  CHECK(plan.changes[1].key == "net.ipv4.tcp_tw_reuse");
  CHECK_FALSE(plan.changes[1].live);
  CHECK(plan.changes[1].persist);
  REQUIRE(plan.notes.size() == 1);
  CHECK(plan.notes[0].message.find(">= 6.14") != std::string::npos);

  SUBCASE("a boot default that misses the target needs persisting") {
    f.values["default.net.core.somaxconn"] = FactValue{std::int64_t{128}};
    Plan p2 = make_plan(p, f);
    bool found = false;
    for (const Change& c : p2.changes)
      found = found || (c.key == "net.core.somaxconn" && c.persist && !c.live);
    CHECK(found);
  }
}

TEST_CASE("live facts: a port list compares as a set, any other value as it is") {
  // value (as the kernel or a file has it) -> the fact's text, for a port-list key and for an
  // integer key.
  const std::vector<std::pair<std::string, std::string>> port_cases = {
      {"9000-9010,8080", "8080,9000-9010"},
      {"8080,8081", "8080-8081"},
      {"8080", "8080"},  // a plain decimal is its own form: no catalog entry read
      {"0", "0"},
      {"0100", "64"},      // a leading zero is octal to the kernel's number parser
      {"08080", "08080"},  // and 8 is no octal digit: not a port list, as it is
      {"99999", "99999"},  // not a port list: as it is
  };
  Catalog keys;
  std::map<std::string, std::string> live;
  for (std::size_t i = 0; i < port_cases.size(); ++i) {
    KeyInfo k;
    k.path = "net/ipv4/ports" + std::to_string(i);
    k.name = "net.ipv4.ports" + std::to_string(i);
    k.type = KeyType::port_list;
    keys.add(k);
    live[k.path] = port_cases[i].first;
  }
  KeyInfo number;
  number.name = "net.ipv4.tcp_fin_timeout";
  number.path = "net/ipv4/tcp_fin_timeout";
  number.type = KeyType::int_;
  keys.add(number);
  live[number.path] = "9000-9010,8080";
  test::FakeKeySource source(live);
  HostFactsInput in;
  in.keys = &keys;
  in.live = &source;
  HostFacts facts(std::move(in));
  auto text = [&](const std::string& path) {
    FactRef ref;
    ref.kind = FactKind::live;
    ref.path = path;
    std::optional<FactValue> v = facts.get(ref, "");
    REQUIRE(v);
    return fact_text(*v);
  };
  for (std::size_t i = 0; i < port_cases.size(); ++i) {
    CAPTURE(port_cases[i].first);
    CHECK(text("net/ipv4/ports" + std::to_string(i)) == port_cases[i].second);
  }
  CHECK(text(number.path) == "9000-9010,8080");
}
