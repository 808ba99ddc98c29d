#include "config/toml_reader.hpp"

#include <sstream>

namespace tcptune {

Finding toml_error(const std::string& file, const toml::source_region& where,
                   const std::string& message) {
  return data_error(file, static_cast<int>(where.begin.line), static_cast<int>(where.begin.column),
                    message);
}

Result<toml::table, Finding> parse_toml(const std::string& text, const std::string& file) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return toml_error(file, e.source(), "TOML syntax error: " + std::string(e.description()));
  }
}

TableReader::TableReader(const toml::table& table, std::string file, std::vector<Finding>& errors)
    : m_table(table), m_file(std::move(file)), m_errors(errors) {}

void TableReader::error(const toml::node* node, const std::string& message) {
  const toml::source_region& where = node != nullptr ? node->source() : m_table.source();
  m_errors.push_back(toml_error(m_file, where, message));
}

const toml::node* TableReader::get(const char* name, Field presence) {
  m_known.insert(name);
  const toml::node* n = m_table.get(name);
  if (n == nullptr && presence == Field::required)
    error(nullptr, std::string("missing required field '") + name + "'");
  return n;
}

const toml::node* TableReader::any(const char* name, Field presence) { return get(name, presence); }

std::optional<std::string> TableReader::string(const char* name, Field presence) {
  const toml::node* n = get(name, presence);
  if (n == nullptr) return std::nullopt;
  if (const auto* v = n->as_string()) return v->get();
  error(n, std::string("'") + name + "' must be a string");
  return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(const char* name, Field presence) {
  const toml::node* n = get(name, presence);
  if (n == nullptr) return std::nullopt;
  if (const auto* v = n->as_integer()) return v->get();
  error(n, std::string("'") + name + "' must be an integer");
  return std::nullopt;
}

std::optional<bool> TableReader::boolean(const char* name, Field presence) {
  const toml::node* n = get(name, presence);
  if (n == nullptr) return std::nullopt;
  if (const auto* v = n->as_boolean()) return v->get();
  error(n, std::string("'") + name + "' must be true or false");
  return std::nullopt;
}

std::optional<std::vector<std::string>> TableReader::strings(const char* name, Field presence) {
  const toml::node* n = get(name, presence);
  if (n == nullptr) return std::nullopt;
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    error(n, std::string("'") + name + "' must be an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const toml::node& el : *arr) {
    if (const auto* s = el.as_string()) {
      out.push_back(s->get());
    } else {
      error(&el, std::string("'") + name + "' must contain only strings");
      return std::nullopt;
    }
  }
  return out;
}

std::optional<std::vector<std::int64_t>> TableReader::integers(const char* name, Field presence) {
  const toml::node* n = get(name, presence);
  if (n == nullptr) return std::nullopt;
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    error(n, std::string("'") + name + "' must be an array of integers");
    return std::nullopt;
  }
  std::vector<std::int64_t> out;
  for (const toml::node& el : *arr) {
    if (const auto* i = el.as_integer()) {
      out.push_back(i->get());
    } else {
      error(&el, std::string("'") + name + "' must contain only integers");
      return std::nullopt;
    }
  }
  return out;
}

void TableReader::finish() {
  for (const auto& [k, v] : m_table) {
    std::string name(k.str());
    if (m_known.count(name) == 0) {
      m_errors.push_back(toml_error(m_file, k.source(), "unknown field '" + name + "'"));
    }
  }
}

}  // namespace tcptune
