#pragma once
/// Loads rules/keys.toml and rules/lint.toml from text (no I/O here).

#include <string>
#include <vector>

#include "core/catalog.hpp"
#include "core/finding.hpp"

namespace tcptune {

/// Parses a key catalog document and adds its keys to `out`. Problems (syntax, unknown or
/// missing fields, bad values, duplicates) are appended to `errors` as TT0001 findings.
void load_key_catalog(const std::string& text, const std::string& file, Catalog& out,
                      std::vector<Finding>& errors);

/// Parses a check catalog document (rules/lint.toml) into `out`.
void load_check_catalog(const std::string& text, const std::string& file, CheckCatalog& out,
                        std::vector<Finding>& errors);

}  // namespace tcptune
