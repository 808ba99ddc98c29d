#include "engine/rule_loader.hpp"

#include <algorithm>
#include <set>

#include "config/catalog_loader.hpp"
#include "config/toml_reader.hpp"
#include "core/sysctl_key.hpp"
#include "core/sysctl_value.hpp"
#include "core/text_util.hpp"
#include "engine/value_check.hpp"

namespace tcptune {

namespace {

std::optional<FactValue> literal(const toml::node& n, bool kernel, std::string& why) {
  if (kernel) {
    const auto* s = n.as_string();
    if (s == nullptr) {
      why = "a kernel version is written as a string, e.g. \"4.12\"";
      return std::nullopt;
    }
    std::optional<KernelVersion> k = parse_kernel_version(s->get());
    if (!k) {
      why = "'" + s->get() + "' is not a kernel version (X.Y or X.Y.Z)";
      return std::nullopt;
    }
    return FactValue{*k};
  }
  if (const auto* i = n.as_integer()) return FactValue{i->get()};
  if (const auto* d = n.as_floating_point()) return FactValue{d->get()};
  if (const auto* b = n.as_boolean()) return FactValue{std::int64_t{b->get() ? 1 : 0}};
  if (const auto* s = n.as_string()) return FactValue{normalize_value(s->get())};
  why = "a value must be an integer, a number, a boolean or a string";
  return std::nullopt;
}

class RuleReader {
 public:
  RuleReader(const std::string& file, const Catalog& keys, std::vector<Finding>& errors)
      : m_file(file), m_keys(keys), m_errors(errors) {}

  std::optional<FactRef> fact(TableReader& r, const char* field, const toml::node* n,
                              bool allow_each) {
    const auto* s = n != nullptr ? n->as_string() : nullptr;
    if (s == nullptr) {
      r.error(n, std::string("'") + field + "' must be a string naming a fact");
      return std::nullopt;
    }
    auto parsed = parse_fact_ref(s->get(), m_keys, allow_each);
    if (!parsed.ok()) {
      r.error(n, parsed.error());
      return std::nullopt;
    }
    return parsed.value();
  }

  // A condition table: all / any / not, or fact + op [+ value | value_fact].
  std::optional<Condition> condition(const toml::table& t, bool allow_each, int depth) {
    TableReader r(t, m_file, m_errors);
    std::size_t before = m_errors.size();
    Condition c;
    if (depth > 16) {
      r.error(nullptr, "conditions nest deeper than 16 levels");
      return std::nullopt;
    }
    const toml::node* all = r.any("all", Field::optional);
    const toml::node* any = r.any("any", Field::optional);
    const toml::node* neg = r.any("not", Field::optional);
    const toml::node* fact_node = r.any("fact", Field::optional);
    int forms = (all != nullptr) + (any != nullptr) + (neg != nullptr) + (fact_node != nullptr);
    if (forms != 1) {
      r.error(nullptr, "a condition has exactly one of 'all', 'any', 'not' or 'fact'");
      r.finish();
      return std::nullopt;
    }
    if (all != nullptr || any != nullptr) {
      c.kind = all != nullptr ? Condition::Kind::all : Condition::Kind::any;
      const toml::node* list = all != nullptr ? all : any;
      const toml::array* arr = list->as_array();
      if (arr == nullptr || arr->empty()) {
        r.error(list, std::string("'") + (all != nullptr ? "all" : "any") +
                          "' must be a non-empty array of conditions");
      } else {
        for (const toml::node& el : *arr) {
          const toml::table* sub = el.as_table();
          if (sub == nullptr) {
            r.error(&el, "each element must be a condition table");
            continue;
          }
          if (auto ch = condition(*sub, allow_each, depth + 1))
            c.children.push_back(std::move(*ch));
        }
      }
    } else if (neg != nullptr) {
      c.kind = Condition::Kind::not_;
      const toml::table* sub = neg->as_table();
      if (sub == nullptr) {
        r.error(neg, "'not' must be a condition table");
      } else if (auto ch = condition(*sub, allow_each, depth + 1)) {
        c.children.push_back(std::move(*ch));
      }
    } else {
      c.kind = Condition::Kind::compare;
      std::optional<FactRef> f = fact(r, "fact", fact_node, allow_each);
      if (!f) {
        for (const char* known : {"op", "value", "value_fact"}) (void)r.any(known, Field::optional);
        r.finish();
        return std::nullopt;  // one error for a bad fact, not a cascade about its value
      }
      c.fact = *f;
      std::optional<std::string> op_text = r.string("op", Field::required);
      if (op_text) {
        if (auto op = parse_compare_op(*op_text)) {
          c.op = *op;
        } else {
          r.error(t.get("op"),
                  "unknown op '" + *op_text + "' (==, !=, <, <=, >, >=, in, present, absent)");
          op_text.reset();
        }
      }
      if (!op_text) {  // no cascade about the value of a comparison without a known op
        for (const char* known : {"value", "value_fact"}) (void)r.any(known, Field::optional);
        r.finish();
        return std::nullopt;
      }
      const toml::node* value = r.any("value", Field::optional);
      const toml::node* other = r.any("value_fact", Field::optional);
      bool kernel = c.fact.kind == FactKind::kernel;
      bool unary = c.op == CompareOp::present || c.op == CompareOp::absent;
      if (unary && (value != nullptr || other != nullptr)) {
        r.error(value != nullptr ? value : other, "'present' and 'absent' take no value");
      } else if (!unary && op_text && (value == nullptr) == (other == nullptr)) {
        r.error(nullptr, "a comparison needs exactly one of 'value' or 'value_fact'");
      } else if (other != nullptr) {
        if (c.op == CompareOp::in) r.error(other, "'in' needs a list in 'value'");
        c.other = fact(r, "value_fact", other, allow_each);
      } else if (value != nullptr) {
        std::string why;
        if (c.op == CompareOp::in) {
          const toml::array* arr = value->as_array();
          if (arr == nullptr || arr->empty()) {
            r.error(value, "'in' needs a non-empty list in 'value'");
          } else {
            for (const toml::node& el : *arr) {
              if (auto v = literal(el, kernel, why)) {
                c.values.push_back(*v);
              } else {
                r.error(&el, why);
              }
            }
          }
        } else if (auto v = literal(*value, kernel, why)) {
          c.values.push_back(*v);
        } else {
          r.error(value, why);
        }
      }
    }
    // Catalog strings have a closed set of values: a typo would make == never and != always true.
    if (c.kind == Condition::Kind::compare &&
        (c.fact.kind == FactKind::netns || c.fact.kind == FactKind::netns_init)) {
      const std::vector<std::string> allowed =
          c.fact.kind == FactKind::netns ? std::vector<std::string>{"yes", "no", "readonly", "n/a"}
                                         : std::vector<std::string>{"default", "copy"};
      for (const FactValue& v : c.values) {
        const auto* s = std::get_if<std::string>(&v);
        if (s == nullptr || std::find(allowed.begin(), allowed.end(), *s) == allowed.end()) {
          r.error(t.get("value"), "'" + fact_text(v) + "' is not a value of " + c.fact.text + " (" +
                                      join(allowed, ", ") + ")");
        }
      }
    }
    r.finish();
    if (m_errors.size() != before) return std::nullopt;
    return c;
  }

 private:
  std::string m_file;
  const Catalog& m_keys;
  std::vector<Finding>& m_errors;
};

std::string source_of(const std::string& file, const toml::table& t) {
  return file + ":" + std::to_string(t.source().begin.line);
}

}  // namespace

std::vector<Finding> load_rules(const std::string& text, const std::string& file,
                                const Catalog& keys, std::vector<Rule>& out, CheckCatalog& checks) {
  std::vector<Finding> errors;
  Result<toml::table, Finding> parsed = parse_toml(text, file);
  if (!parsed.ok()) return {parsed.error()};
  const toml::table* doc = &parsed.value();
  TableReader top(*doc, file, errors);
  RuleReader reader(file, keys, errors);
  std::set<std::string> seen;
  top.tables("rule", Field::required, [&](TableReader& r) {
    std::size_t before = errors.size();
    Rule rule;
    rule.source = source_of(file, r.table());
    CheckInfo info = read_check_info(r, seen, checks);
    rule.code = info.code;
    rule.name = info.name;
    rule.severity = info.severity;
    rule.hint = info.hint;
    rule.message = r.string("message", Field::required).value_or("");
    rule.foreach = r.string("foreach", Field::optional).value_or("");
    if (!rule.foreach.empty() && rule.foreach != "persisted" && rule.foreach != "live")
      r.error(r.table().get("foreach"), "'foreach' must be \"persisted\" or \"live\"");
    bool each = !rule.foreach.empty();
    if (auto k = r.string("key", Field::optional)) {
      NormalizedKey nk = normalize_key(*k);
      if (each) {
        r.error(r.table().get("key"), "a foreach rule reports the key it visits: drop 'key'");
      } else if (nk.problem != KeyProblem::none || keys.find(nk.path) == nullptr) {
        r.error(r.table().get("key"), "unknown key '" + *k + "'");
      } else {
        rule.key = nk.key;
      }
    }
    if (const toml::node* v = r.any("value", Field::optional))
      rule.value = reader.fact(r, "value", v, each);
    if (const toml::node* ev = r.any("evidence", Field::optional)) {
      const toml::table* t = ev->as_table();
      if (t == nullptr) {
        r.error(ev, "'evidence' must be a table of name = \"fact\"");
      } else {
        for (const auto& [k, node] : *t) {
          std::string alias(k.str());
          if (alias == "key") {
            r.error(&node, "'key' is reserved for the finding's key");
            continue;
          }
          if (auto f = reader.fact(r, "evidence", &node, each))
            rule.evidence.emplace_back(alias, *f);
        }
      }
    }
    if (const toml::node* w = r.any("when", Field::required)) {
      const toml::table* t = w->as_table();
      if (t == nullptr) {
        r.error(w, "'when' must be a condition table");
      } else if (auto c = reader.condition(*t, each, 0)) {
        rule.when = std::move(*c);
      }
    }
    // Every {name} in the message and the hint must be evidence (or {key} where there is one).
    for (const char* field : {"message", "hint"}) {
      const std::string& tmpl = std::string(field) == "message" ? rule.message : rule.hint;
      bool balanced = true;
      for (const std::string& name : template_names(tmpl, balanced)) {
        bool known = (name == "key" && (rule.key || each));
        for (const auto& [alias, ref] : rule.evidence) known = known || alias == name;
        if (!known) {
          r.error(r.table().get(field),
                  std::string(field) + " uses {" + name + "}, which is not in 'evidence'");
        }
      }
      if (!balanced) {
        r.error(r.table().get(field),
                std::string("unbalanced braces in '") + field + "' (write {{ or }})");
      }
    }
    if (errors.size() != before) return;
    checks.add(std::move(info));
    out.push_back(std::move(rule));
  });
  top.finish();
  return errors;
}

std::vector<Finding> load_profile(const std::string& text, const std::string& file,
                                  const std::string& origin, const Catalog& keys,
                                  std::vector<Profile>& out) {
  std::vector<Finding> errors;
  Result<toml::table, Finding> parsed = parse_toml(text, file);
  if (!parsed.ok()) return {parsed.error()};
  const toml::table* doc = &parsed.value();
  TableReader top(*doc, file, errors);
  std::size_t before = errors.size();
  Profile p;
  p.origin = origin;
  p.file = file;
  p.line = 1;
  p.name = top.string("name", Field::required).value_or("");
  if (p.name.empty() ||
      p.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos) {
    top.error(doc->get("name"), "'name' must be lower-case letters, digits, '-' or '_'");
  }
  for (const Profile& q : out) {
    if (q.name == p.name) {
      top.error(doc->get("name"), "profile '" + p.name + "' is already defined in " + q.file +
                                      (q.origin != origin ? " (give yours another name and "
                                                            "'extends = \"" +
                                                                p.name + "\"')"
                                                          : ""));
    }
  }
  p.summary = top.string("summary", Field::required).value_or("");
  p.extends = top.string("extends", Field::optional).value_or("");
  std::set<std::string> seen;
  top.tables("setting", Field::optional, [&](TableReader& r) {
    ProfileSetting s;
    s.profile = p.name;
    s.source = source_of(file, r.table());
    std::optional<std::string> key = r.string("key", Field::required);
    const KeyInfo* info = nullptr;
    if (key) {
      NormalizedKey nk = normalize_key(*key);
      info = nk.problem == KeyProblem::none && !nk.glob ? keys.find(nk.path) : nullptr;
      if (info == nullptr) {
        std::string msg = "unknown key '" + *key + "'";
        std::string near = did_you_mean(*key, keys.names());
        if (!near.empty()) msg += " (did you mean '" + near + "'?)";
        r.error(r.table().get("key"), msg);
      } else {
        s.key = nk.key;
        s.path = nk.path;
        if (!seen.insert(s.key).second)
          r.error(r.table().get("key"), "'" + s.key + "' is set twice in this profile");
      }
    }
    if (auto op = r.string("op", Field::required)) {
      if (auto t = parse_target_op(*op)) {
        s.op = *t;
      } else {
        r.error(r.table().get("op"), "'op' must be \"=\", \">=\", \"<=\" or \"absent\"");
      }
    }
    const toml::node* v =
        r.any("value", s.op != TargetOp::absent ? Field::required : Field::optional);
    if (v != nullptr && s.op == TargetOp::absent) {
      r.error(v, "'absent' takes no value");
    } else if (v != nullptr) {
      if (const auto* i = v->as_integer()) {
        s.value = std::to_string(i->get());
      } else if (const auto* str = v->as_string()) {
        s.value = normalize_value(str->get());
      } else {
        r.error(v, "'value' must be an integer or a string");
      }
      if (info != nullptr && !s.value.empty()) {
        if (auto problem = check_value(*info, s.value); problem && problem->code != "TT3003") {
          r.error(v, "value '" + s.value + "' for " + s.key + ": " + problem->message);
        }
        bool scalar = info->type == KeyType::int_ || info->type == KeyType::uint_ ||
                      info->type == KeyType::ulong_ || info->type == KeyType::enum_;
        if ((s.op == TargetOp::ge || s.op == TargetOp::le) && !scalar)
          r.error(r.table().get("op"), "'" + std::string(to_string(s.op)) +
                                           "' needs an integer key; " + s.key + " is " +
                                           std::string(to_string(info->type)));
      }
    }
    if (auto k = r.string("kernel", Field::optional)) {
      std::string_view t = trim(*k);
      std::size_t sp = t.find_first_of("0123456789");
      std::optional<CompareOp> op =
          sp == std::string_view::npos ? std::nullopt : parse_compare_op(trim(t.substr(0, sp)));
      std::optional<KernelVersion> ver =
          sp == std::string_view::npos ? std::nullopt : parse_kernel_version(t.substr(sp));
      if (!op || !ver || *op == CompareOp::in || *op == CompareOp::present ||
          *op == CompareOp::absent) {
        r.error(r.table().get("kernel"), "'kernel' must look like \">= 4.19\" or \"< 4.12\"");
      } else {
        s.kernel = KernelConstraint{*op, *ver, std::string(t)};
      }
    }
    s.rationale = r.string("rationale", Field::required).value_or("");
    s.reference = r.string("reference", Field::required).value_or("");
    if (const toml::node* req = r.any("required", Field::optional)) {
      if (const auto* b = req->as_boolean()) {
        s.required = b->get();
      } else {
        r.error(req, "'required' must be true or false");
      }
    }
    p.settings.push_back(std::move(s));
  });
  top.finish();
  if (errors.size() == before) out.push_back(std::move(p));
  return errors;
}

}  // namespace tcptune
