#pragma once
/// Loads rules/keys.toml and rules/lint.toml from text (no I/O here).

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.hpp"
#include "core/finding.hpp"

namespace tcptune {
class TableReader;
}

namespace tcptune {

/// Parses a key catalog document and adds its keys to `out`. Returns the problems (syntax,
/// unknown or missing fields, bad values, duplicates) as TT0001 findings; empty when none.
[[nodiscard]] std::vector<Finding> load_key_catalog(const std::string& text,
                                                    const std::string& file, Catalog& out);

/// Parses rules/services.toml ([[kind]] name, fix; [[service]] port, name, kind) and adds the
/// services to `out`, each with its kind's fix. Returns the problems as TT0001 findings.
[[nodiscard]] std::vector<Finding> load_services(const std::string& text, const std::string& file,
                                                 Catalog& out);
/// Parses the generated catalog (rules/kernel_keys.tsv, written by
/// tools/catalog/gen_catalog.py: one tab-separated line per key or pattern) into `out`, as
/// generated entries. Load it before the curated catalog, which is merged over it. A malformed
/// line is a TT0001 finding with file:line in the result; the other lines still load.
[[nodiscard]] std::vector<Finding> load_generated_catalog(std::string_view text,
                                                          const std::string& file, Catalog& out);

/// Reads the fields every finding code has (code, name, severity, title, explain, hint,
/// references) from a [[check]] or [[rule]] table. A code already in `seen` or in `known` is an
/// error (lint and check codes share one space).
CheckInfo read_check_info(TableReader& r, std::set<std::string>& seen, const CheckCatalog& known);

/// Parses a check catalog document (rules/lint.toml) into `out`. Returns the problems.
[[nodiscard]] std::vector<Finding> load_check_catalog(const std::string& text,
                                                      const std::string& file, CheckCatalog& out);

}  // namespace tcptune
