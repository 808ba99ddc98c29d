#pragma once
/// `check` rules: declarative conditions over facts (rules/check.toml, schema in
/// rules/README.md), evaluated with three-valued logic: a comparison with an absent fact is
/// unknown, `not unknown` is unknown, `all` is false if any part is false, `any` is true if any
/// part is true. A rule fires only when its condition is true.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/finding.hpp"
#include "engine/facts.hpp"

namespace tcptune {

enum class CompareOp { eq, ne, lt, le, gt, ge, in, present, absent };

std::optional<CompareOp> parse_compare_op(std::string_view text);
std::string_view to_string(CompareOp op);

struct Condition {
  enum class Kind { all, any, not_, compare } kind = Kind::compare;
  std::vector<Condition> children;  ///< all / any / not (one child)
  FactRef fact;
  CompareOp op = CompareOp::present;
  std::vector<FactValue> values;  ///< one value; several for `in`
  std::optional<FactRef> other;   ///< compare with another fact instead of a value

  bool operator==(const Condition&) const = default;
};

enum class Tri { no, yes, unknown };

struct Rule {
  std::string code;
  std::string name;
  Severity severity = Severity::warning;
  // The title, explanation and references are the check code's (CheckCatalog, filled from the
  // same table): kept once, there.
  std::string message;  ///< template: {alias} from evidence, {key} in foreach rules
  std::string hint;
  std::optional<std::string> key;  ///< dotted key the finding is about (foreach: the visited key)
  std::optional<FactRef> value;    ///< the finding's value
  std::string foreach;             ///< "", "persisted" or "live"
  std::vector<std::pair<std::string, FactRef>> evidence;
  Condition when;
  std::string source;  ///< "file:line"

  bool operator==(const Rule&) const = default;
};

/// One comparison (==, !=, <, <=, >, >=) of two values: numbers as numbers, versions as
/// versions, text as text; unknown when they cannot be ordered.
Tri compare_values(CompareOp op, const FactValue& a, const FactValue& b);

/// Evaluates a condition; `each` is the /proc/sys path bound to `$`.
Tri evaluate(const Condition& c, const FactSource& facts, const std::string& each);

/// Runs every rule and returns the findings, sorted by severity (errors first), then code.
std::vector<Finding> run_rules(const std::vector<Rule>& rules, const FactSource& facts);

/// Replaces {name} with values ({{ and }} are literal braces). Unknown names stay as written.
std::string interpolate(const std::string& tmpl,
                        const std::vector<std::pair<std::string, std::string>>& values);

/// The {names} a template uses, for load-time checks; "" in `bad` on unbalanced braces.
std::vector<std::string> template_names(const std::string& tmpl, bool& balanced);

}  // namespace tcptune
