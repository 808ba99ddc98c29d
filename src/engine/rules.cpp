#include "engine/rules.hpp"

#include <algorithm>
#include <cmath>

#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"

namespace tcptune {

std::optional<CompareOp> parse_compare_op(std::string_view t) {
  if (t == "==") return CompareOp::eq;
  if (t == "!=") return CompareOp::ne;
  if (t == "<") return CompareOp::lt;
  if (t == "<=") return CompareOp::le;
  if (t == ">") return CompareOp::gt;
  if (t == ">=") return CompareOp::ge;
  if (t == "in") return CompareOp::in;
  if (t == "present") return CompareOp::present;
  if (t == "absent") return CompareOp::absent;
  return std::nullopt;
}

std::string_view to_string(CompareOp op) {
  switch (op) {
    case CompareOp::eq:
      return "==";
    case CompareOp::ne:
      return "!=";
    case CompareOp::lt:
      return "<";
    case CompareOp::le:
      return "<=";
    case CompareOp::gt:
      return ">";
    case CompareOp::ge:
      return ">=";
    case CompareOp::in:
      return "in";
    case CompareOp::present:
      return "present";
    case CompareOp::absent:
      return "absent";
  }
  return "?";
}

namespace {

std::optional<double> as_number(const FactValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

// -1, 0, 1, or nullopt when the two cannot be ordered (or compared).
std::optional<int> compare(const FactValue& a, const FactValue& b) {
  const auto* ka = std::get_if<KernelVersion>(&a);
  const auto* kb = std::get_if<KernelVersion>(&b);
  if (ka != nullptr || kb != nullptr) {
    if (ka == nullptr || kb == nullptr) return std::nullopt;
    return *ka < *kb ? -1 : (*kb < *ka ? 1 : 0);
  }
  const auto* ia = std::get_if<std::int64_t>(&a);
  const auto* ib = std::get_if<std::int64_t>(&b);
  if (ia != nullptr && ib != nullptr) return *ia < *ib ? -1 : (*ia > *ib ? 1 : 0);
  auto na = as_number(a);
  auto nb = as_number(b);
  if (na && nb) return *na < *nb ? -1 : (*na > *nb ? 1 : 0);
  const auto* sa = std::get_if<std::string>(&a);
  const auto* sb = std::get_if<std::string>(&b);
  if (sa != nullptr && sb != nullptr) return *sa < *sb ? -1 : (*sa > *sb ? 1 : 0);
  return std::nullopt;  // a number against text
}

Tri tri(bool b) { return b ? Tri::yes : Tri::no; }

}  // namespace

Tri compare_values(CompareOp op, const FactValue& a, const FactValue& b) {
  std::optional<int> c = compare(a, b);
  if (!c) {
    // Text never equals a number: == is false, != true; ordering is unknown.
    if (op == CompareOp::eq) return Tri::no;
    if (op == CompareOp::ne) return Tri::yes;
    return Tri::unknown;
  }
  switch (op) {
    case CompareOp::eq:
      return tri(*c == 0);
    case CompareOp::ne:
      return tri(*c != 0);
    case CompareOp::lt:
      return tri(*c < 0);
    case CompareOp::le:
      return tri(*c <= 0);
    case CompareOp::gt:
      return tri(*c > 0);
    case CompareOp::ge:
      return tri(*c >= 0);
    default:
      return Tri::unknown;
  }
}

Tri evaluate(const Condition& c, const FactSource& facts, const std::string& each) {
  switch (c.kind) {
    case Condition::Kind::all: {
      Tri r = Tri::yes;
      for (const Condition& ch : c.children) {
        Tri t = evaluate(ch, facts, each);
        if (t == Tri::no) return Tri::no;
        if (t == Tri::unknown) r = Tri::unknown;
      }
      return r;
    }
    case Condition::Kind::any: {
      Tri r = Tri::no;
      for (const Condition& ch : c.children) {
        Tri t = evaluate(ch, facts, each);
        if (t == Tri::yes) return Tri::yes;
        if (t == Tri::unknown) r = Tri::unknown;
      }
      return r;
    }
    case Condition::Kind::not_: {
      Tri t = evaluate(c.children.front(), facts, each);
      return t == Tri::unknown ? Tri::unknown : tri(t == Tri::no);
    }
    case Condition::Kind::compare:
      break;
  }
  std::optional<FactValue> v = facts.get(c.fact, each);
  if (c.op == CompareOp::present) return tri(v.has_value());
  if (c.op == CompareOp::absent) return tri(!v.has_value());
  if (!v) return Tri::unknown;
  if (c.other) {
    std::optional<FactValue> o = facts.get(*c.other, each);
    if (!o) return Tri::unknown;
    return compare_values(c.op, *v, *o);
  }
  if (c.op == CompareOp::in) {
    bool unknown = false;
    for (const FactValue& x : c.values) {
      Tri t = compare_values(CompareOp::eq, *v, x);
      if (t == Tri::yes) return Tri::yes;
      if (t == Tri::unknown) unknown = true;
    }
    return unknown ? Tri::unknown : Tri::no;
  }
  return compare_values(c.op, *v, c.values.front());
}

std::string interpolate(const std::string& tmpl,
                        const std::vector<std::pair<std::string, std::string>>& values) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    char ch = tmpl[i];
    if ((ch == '{' || ch == '}') && i + 1 < tmpl.size() && tmpl[i + 1] == ch) {
      out += ch;
      ++i;
      continue;
    }
    if (ch == '{') {
      std::size_t close = tmpl.find('}', i);
      if (close != std::string::npos) {
        std::string name = tmpl.substr(i + 1, close - i - 1);
        auto it = std::find_if(values.begin(), values.end(),
                               [&](const auto& p) { return p.first == name; });
        if (it != values.end()) {
          out += it->second;
          i = close;
          continue;
        }
      }
    }
    out += ch;
  }
  return out;
}

std::vector<std::string> template_names(const std::string& tmpl, bool& balanced) {
  std::vector<std::string> names;
  balanced = true;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    char ch = tmpl[i];
    if ((ch == '{' || ch == '}') && i + 1 < tmpl.size() && tmpl[i + 1] == ch) {
      ++i;
      continue;
    }
    if (ch == '}') {
      balanced = false;
      continue;
    }
    if (ch != '{') continue;
    std::size_t close = tmpl.find_first_of("{}", i + 1);
    if (close == std::string::npos || tmpl[close] != '}') {
      balanced = false;
      continue;
    }
    names.push_back(tmpl.substr(i + 1, close - i - 1));
    i = close;
  }
  return names;
}

namespace {

Finding fire(const Rule& r, const FactSource& facts, const std::string& each) {
  Finding f;
  f.code = r.code;
  f.severity = r.severity;
  f.hint = r.hint;
  std::vector<std::pair<std::string, std::string>> texts;
  std::string key_path;
  if (!each.empty()) {
    key_path = each;
    f.key = path_to_key(each);
  } else if (r.key) {
    f.key = *r.key;
    key_path = normalize_key(*r.key).path;
  }
  if (f.key) texts.emplace_back("key", *f.key);
  for (const auto& [alias, ref] : r.evidence) {
    std::optional<FactValue> v = facts.get(ref, each);
    if (!v) {
      texts.emplace_back(alias, "unknown");
      continue;
    }
    f.evidence.emplace_back(alias, to_evidence(*v));
    texts.emplace_back(alias, fact_text(*v));
  }
  if (r.value) {
    if (std::optional<FactValue> v = facts.get(*r.value, each)) f.value = fact_text(*v);
  }
  f.message = interpolate(r.message, texts);
  f.hint = interpolate(r.hint, texts);
  if (!key_path.empty()) {
    if (auto at = facts.persisted_at(key_path)) {
      f.file = at->file;
      f.line = at->line;
      f.column = at->column;
      f.source_line = at->source_line;
    }
  }
  return f;
}

}  // namespace

std::vector<Finding> run_rules(const std::vector<Rule>& rules, const FactSource& facts) {
  std::vector<Finding> out;
  for (const Rule& r : rules) {
    if (r.foreach.empty()) {
      if (evaluate(r.when, facts, "") == Tri::yes) out.push_back(fire(r, facts, ""));
      continue;
    }
    for (const std::string& path : facts.keys(r.foreach)) {
      if (evaluate(r.when, facts, path) == Tri::yes) out.push_back(fire(r, facts, path));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.code != b.code) return a.code < b.code;
    return a.key.value_or("") < b.key.value_or("");
  });
  return out;
}

}  // namespace tcptune
