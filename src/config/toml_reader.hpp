#pragma once
/// Strict reading of TOML tables for tcptune's data files: every field is typed, required
/// fields must be there, and an unknown field is an error (a typo must not silently disable
/// a rule). Errors are Findings with code TT0001 and file:line:col, marked invalid input.
/// toml++ is used only in src/config.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "core/finding.hpp"
#include "core/result.hpp"

namespace tcptune {

/// Whether a field must be present (a missing one is an error) or may be left out.
enum class Field { required, optional };

class TableReader {
 public:
  TableReader(const toml::table& table, std::string file, std::vector<Finding>& errors);

  std::optional<std::string> string(const char* name, Field presence);
  std::optional<std::int64_t> integer(const char* name, Field presence);
  std::optional<bool> boolean(const char* name, Field presence);
  std::optional<std::vector<std::string>> strings(const char* name, Field presence);
  std::optional<std::vector<std::int64_t>> integers(const char* name, Field presence);
  /// An array of tables; each element is passed to the callback with its own reader.
  template <class F>
  void tables(const char* name, Field presence, F&& each);
  /// A node of any type, marked as known; nullptr when absent.
  const toml::node* any(const char* name, Field presence);

  /// Reports every field that no accessor asked for. Call once, at the end.
  void finish();

  /// Reports an error at a node (or at the table when node is null).
  void error(const toml::node* node, const std::string& message);
  [[nodiscard]] const std::string& file() const { return m_file; }
  [[nodiscard]] const toml::table& table() const { return m_table; }

 private:
  const toml::node* get(const char* name, Field presence);

  const toml::table& m_table;
  std::string m_file;
  std::vector<Finding>& m_errors;
  std::set<std::string> m_known;
};

/// Makes a TT0001 finding at a TOML source position.
Finding toml_error(const std::string& file, const toml::source_region& where,
                   const std::string& message);

/// Parses a TOML document; a syntax error is a TT0001 finding at its position.
Result<toml::table, Finding> parse_toml(const std::string& text, const std::string& file);

template <class F>
void TableReader::tables(const char* name, Field presence, F&& each) {
  const toml::node* n = get(name, presence);
  if (n == nullptr) return;
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    error(n, std::string("'") + name + "' must be an array of tables");
    return;
  }
  for (const toml::node& el : *arr) {
    const toml::table* t = el.as_table();
    if (t == nullptr) {
      error(&el, std::string("each element of '") + name + "' must be a table");
      continue;
    }
    TableReader sub(*t, m_file, m_errors);
    each(sub);
    sub.finish();
  }
}

}  // namespace tcptune
