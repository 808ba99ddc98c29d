#pragma once
/// Loads `check` rules (rules/check.toml) and profiles (profiles/*.toml) from text (no I/O).
/// Every problem is a TT0001 finding with file:line:col; unknown fields, unknown facts, unknown
/// keys and template names that are not evidence are all errors (a typo must not silently
/// disable a rule or a setting).

#include <string>
#include <vector>

#include "core/catalog.hpp"
#include "core/finding.hpp"
#include "engine/profiles.hpp"
#include "engine/rules.hpp"

namespace tcptune {

/// Parses a rule document into `out`. Each rule is also added to `checks` (for explain, rules,
/// SARIF); a code already in `checks` is an error. Returns the problems; empty when none.
[[nodiscard]] std::vector<Finding> load_rules(const std::string& text, const std::string& file,
                                              const Catalog& keys, std::vector<Rule>& out,
                                              CheckCatalog& checks);

/// Parses one profile document into `out`; `origin` is "shipped" or "user". Returns the
/// problems; empty when none.
[[nodiscard]] std::vector<Finding> load_profile(const std::string& text, const std::string& file,
                                                const std::string& origin, const Catalog& keys,
                                                std::vector<Profile>& out);

}  // namespace tcptune
