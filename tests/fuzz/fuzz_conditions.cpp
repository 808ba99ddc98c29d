// libFuzzer target: the `check` condition evaluator and the rule runner (src/engine/rules.hpp)
// over facts taken from the input, with the shipped rules (rules/check.toml) and, when the input
// has one, a rule document of its own; message templates (interpolate, template_names).
//
// Input: facts, one `name = value` per line (the format of fuzz::TextFacts in fuzz_support.hpp:
// live., persisted., assigned., census., counter., kernel, cmdline...), then optionally a line
// starting with `%%` and a rule document (TOML) whose rules are loaded and run as well.
//
// Invariants (three-valued logic, rules/README.md): `not` negates yes/no and keeps unknown;
// `all` is no when a part is no, else unknown when a part is unknown, else yes; `any` is the
// dual; all/any of a condition repeated are the condition; present/absent are never unknown;
// comparisons are symmetric (a < b exactly when b > a), == is reflexive and != its negation.
// run_rules reports only known codes, foreach findings name their key, in severity-then-code
// order. interpolate() leaves a template without braces alone, with no values only collapses
// {{ and }}, and with every name bound leaves no brace of a balanced template behind.

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

const char* name(Tri t) { return t == Tri::yes ? "yes" : t == Tri::no ? "no" : "unknown"; }

Tri negate(Tri t) { return t == Tri::yes ? Tri::no : t == Tri::no ? Tri::yes : Tri::unknown; }

CompareOp flip(CompareOp op) {
  switch (op) {
    case CompareOp::lt:
      return CompareOp::gt;
    case CompareOp::le:
      return CompareOp::ge;
    case CompareOp::gt:
      return CompareOp::lt;
    case CompareOp::ge:
      return CompareOp::le;
    default:
      return op;
  }
}

std::string show(const FactValue& v) {
  static const char* const kinds[] = {"int", "double", "text", "version"};
  return std::string(kinds[v.index()]) + " '" + fact_text(v) + "'";
}

void check_compare(const FactValue& a, const FactValue& b) {
  std::string ctx = show(a) + " vs " + show(b);
  for (CompareOp op :
       {CompareOp::eq, CompareOp::ne, CompareOp::lt, CompareOp::le, CompareOp::gt, CompareOp::ge}) {
    Tri ab = compare_values(op, a, b);
    Tri ba = compare_values(flip(op), b, a);
    TCPTUNE_FUZZ_CHECK(ab == ba, ctx + ": " + std::string(to_string(op)) + " is " + name(ab) +
                                     " one way, " + name(ba) + " the other");
  }
  Tri eq = compare_values(CompareOp::eq, a, b);
  TCPTUNE_FUZZ_CHECK(eq != Tri::unknown && compare_values(CompareOp::ne, a, b) == negate(eq), ctx);
  TCPTUNE_FUZZ_CHECK(compare_values(CompareOp::eq, a, a) == Tri::yes, show(a) + " != itself");
  Tri lt = compare_values(CompareOp::lt, a, b);
  Tri le = compare_values(CompareOp::le, a, b);
  if (lt != Tri::unknown) {
    TCPTUNE_FUZZ_CHECK(le == (lt == Tri::yes || eq == Tri::yes ? Tri::yes : Tri::no), ctx);
  }
}

// Checks one condition node against its parts, then the parts.
void check_condition(const Condition& c, const FactSource& facts, const std::string& each) {
  Tri t = evaluate(c, facts, each);
  Condition neg;
  neg.kind = Condition::Kind::not_;
  neg.children = {c};
  TCPTUNE_FUZZ_CHECK(evaluate(neg, facts, each) == negate(t), std::string("not ") + name(t));
  for (Condition::Kind k : {Condition::Kind::all, Condition::Kind::any}) {
    Condition twice;
    twice.kind = k;
    twice.children = {c, c};
    TCPTUNE_FUZZ_CHECK(evaluate(twice, facts, each) == t, std::string("all/any of ") + name(t));
  }
  switch (c.kind) {
    case Condition::Kind::all:
    case Condition::Kind::any: {
      bool all = c.kind == Condition::Kind::all;
      Tri absorbing = all ? Tri::no : Tri::yes;
      bool absorbed = false;
      bool unknown = false;
      for (const Condition& ch : c.children) {
        Tri x = evaluate(ch, facts, each);
        absorbed = absorbed || x == absorbing;
        unknown = unknown || x == Tri::unknown;
      }
      Tri want = absorbed ? absorbing : unknown ? Tri::unknown : negate(absorbing);
      TCPTUNE_FUZZ_CHECK(t == want, std::string(all ? "all" : "any") + " is " + name(t) +
                                        ", its parts say " + name(want));
      break;
    }
    case Condition::Kind::not_:
      TCPTUNE_FUZZ_CHECK(t == negate(evaluate(c.children.front(), facts, each)), "not");
      break;
    case Condition::Kind::compare: {
      std::optional<FactValue> v = facts.get(c.fact, each);
      if (c.op == CompareOp::present || c.op == CompareOp::absent) {
        bool yes = v.has_value() == (c.op == CompareOp::present);
        TCPTUNE_FUZZ_CHECK(t == (yes ? Tri::yes : Tri::no), c.fact.text + " present/absent");
      } else if (!v) {
        TCPTUNE_FUZZ_CHECK(t == Tri::unknown, c.fact.text + " is absent but the comparison is " +
                                                  std::string(name(t)));
      }
      if (v) {
        for (const FactValue& x : c.values) check_compare(*v, x);
        if (c.other) {
          if (std::optional<FactValue> o = facts.get(*c.other, each)) check_compare(*v, *o);
        }
      }
      break;
    }
  }
  for (const Condition& ch : c.children) check_condition(ch, facts, each);
}

// {{ and }} collapsed, nothing else touched: interpolate() with no values.
std::string collapse_escapes(const std::string& t) {
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    out += t[i];
    if ((t[i] == '{' || t[i] == '}') && i + 1 < t.size() && t[i + 1] == t[i]) ++i;
  }
  return out;
}

void check_template(const std::string& tmpl) {
  TCPTUNE_FUZZ_CHECK(interpolate(tmpl, {}) == collapse_escapes(tmpl),
                     "interpolate without values changed '" + tmpl + "'");
  bool balanced = true;
  std::vector<std::string> names = template_names(tmpl, balanced);
  std::vector<std::pair<std::string, std::string>> values;
  for (const std::string& n : names) values.emplace_back(n, "x");
  std::string out = interpolate(tmpl, values);
  if (tmpl.find_first_of("{}") == std::string::npos) {
    TCPTUNE_FUZZ_CHECK(out == tmpl, "'" + tmpl + "' has no braces but became '" + out + "'");
  }
  if (!balanced) return;
  std::string escapes_only = collapse_escapes(tmpl);
  auto count = [](const std::string& s, char c) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), c));
  };
  // Every brace left must come from an escape ({{ gives one '{').
  std::size_t open_escapes = count(tmpl, '{') - count(escapes_only, '{');
  std::size_t close_escapes = count(tmpl, '}') - count(escapes_only, '}');
  TCPTUNE_FUZZ_CHECK(count(out, '{') == open_escapes && count(out, '}') == close_escapes,
                     "'" + tmpl + "' -> '" + out + "'");
}

void check_templates(const std::vector<Rule>& rules) {
  for (const Rule& r : rules) {
    check_template(r.message);
    check_template(r.hint);
  }
}

void run(const std::vector<Rule>& rules, const fuzz::TextFacts& facts) {
  std::set<std::string> codes;
  for (const Rule& r : rules) {
    codes.insert(r.code);
    if (r.foreach.empty()) {
      check_condition(r.when, facts, "");
    } else {
      for (const std::string& path : facts.keys(r.foreach)) check_condition(r.when, facts, path);
    }
  }
  std::vector<Finding> findings;
  fuzz::no_throw("run_rules", [&] { findings = run_rules(rules, facts); });
  fuzz::check_rule_findings(findings, codes);
  for (const Rule& r : rules) {
    if (r.foreach.empty()) continue;
    for (const Finding& f : findings) {
      if (f.code == r.code) TCPTUNE_FUZZ_CHECK(f.key.has_value(), r.code + " without its key");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  check_templates(fuzz::shipped_rules());  // the same every time: once
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parts = fuzz::split_parts(fuzz::as_text(data, size), 2);
  std::optional<fuzz::TextFacts> facts;
  fuzz::no_throw("facts", [&] { facts.emplace(parts[0].first, fuzz::shipped_keys()); });
  run(fuzz::shipped_rules(), *facts);
  for (const auto& [metric, value] : facts->census_values()) {
    if (const auto* s = std::get_if<std::string>(&value)) check_template(*s);
  }
  if (parts.size() > 1) {
    std::vector<Rule> rules;
    CheckCatalog checks = fuzz::shipped_checks();
    std::vector<Finding> errors;
    fuzz::no_throw("load_rules", [&] {
      append(errors,
             load_rules(parts[1].first, "rules/fuzz.toml", fuzz::shipped_keys(), rules, checks));
    });
    for (const Rule& r : rules) fuzz::check_condition_shape(r.when, r.source);
    check_templates(rules);
    run(rules, *facts);
  }
  return 0;
}
