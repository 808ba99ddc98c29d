#include "config/tool_config.hpp"

#include <algorithm>
#include <filesystem>

#include "config/toml_reader.hpp"
#include "core/kernel_version.hpp"
#include "core/text_util.hpp"

namespace tcptune {

namespace {

const std::vector<std::string>& top_fields() {
  static const std::vector<std::string> f{"kernel",   "semantics", "exclude",  "include",
                                          "severity", "fail-on",   "overrides"};
  return f;
}

const std::vector<std::string>& override_fields() {
  static const std::vector<std::string> f{"paths", "exclude", "include", "severity"};
  return f;
}

class Reader {
 public:
  Reader(std::string file, std::vector<Finding>& errors)
      : m_file(std::move(file)), m_errors(errors) {}

  void error(const toml::source_region& where, const std::string& message) {
    m_errors.push_back(config_error(m_file, static_cast<int>(where.begin.line),
                                    static_cast<int>(where.begin.column), message));
  }

  ConfigValue at(const toml::node& n, std::string value) const {
    return {std::move(value), m_file, static_cast<int>(n.source().begin.line),
            static_cast<int>(n.source().begin.column)};
  }

  // Unknown keys, with "did you mean" (a typo must not silently drop a setting).
  void check_keys(const toml::table& t, const std::vector<std::string>& known, const char* where) {
    for (const auto& [k, v] : t) {
      std::string name(k.str());
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      std::string sug = did_you_mean(name, known);
      error(k.source(), std::string("unknown setting '") + name + "'" + where +
                            (sug.empty() ? "" : "; did you mean '" + sug + "'?") + " (" +
                            join(known, ", ") + ")");
    }
  }

  std::optional<ConfigValue> string(const toml::table& t, const char* name,
                                    const std::vector<std::string>& allowed = {}) {
    const toml::node* n = t.get(name);
    if (n == nullptr) return std::nullopt;
    const auto* s = n->as_string();
    if (s == nullptr) {
      error(n->source(), std::string("'") + name + "' must be a string");
      return std::nullopt;
    }
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), s->get()) == allowed.end()) {
      std::vector<std::string> head(allowed.begin(), allowed.end() - 1);
      error(n->source(), std::string("'") + name + "' must be " + join(head, ", ") + " or " +
                             allowed.back() + " (got '" + s->get() + "')");
      return std::nullopt;
    }
    return at(*n, s->get());
  }

  // An array of codes (a single string is taken as a one-element array, and a string may hold
  // several codes separated by commas, as on the command line).
  std::optional<std::vector<ConfigValue>> codes(const toml::table& t, const char* name) {
    const toml::node* n = t.get(name);
    if (n == nullptr) return std::nullopt;
    std::vector<const toml::node*> items;
    if (const auto* arr = n->as_array()) {
      for (const toml::node& el : *arr) items.push_back(&el);
    } else {
      items.push_back(n);
    }
    std::vector<ConfigValue> out;
    bool ok = true;
    for (const toml::node* el : items) {
      const auto* s = el->as_string();
      if (s == nullptr) {
        error(el->source(),
              std::string("'") + name + "' must be an array of codes like \"TT4005\"");
        ok = false;
        continue;
      }
      for (std::string_view part : split(s->get(), ',')) {
        std::string code(trim(part));
        bool form = code.size() == 6 && code.compare(0, 2, "TT") == 0 &&
                    code.find_first_not_of("0123456789", 2) == std::string::npos;
        if (!form) {
          error(el->source(), std::string("'") + name + "': '" + code +
                                  "' is not a code like TT4005 (see tcptune rules)");
          ok = false;
          continue;
        }
        out.push_back(at(*el, code));
      }
    }
    if (!ok) return std::nullopt;
    return out;
  }

 private:
  std::string m_file;
  std::vector<Finding>& m_errors;
};

const std::vector<std::string> k_severities{"error", "warning", "info"};

std::string absolute_pattern(const std::string& pattern, const std::string& dir,
                             const std::string& root) {
  namespace fs = std::filesystem;
  fs::path p =
      pattern.front() == '/' ? fs::path(root) / pattern.substr(1) : fs::path(dir) / pattern;
  return p.lexically_normal().string();
}

}  // namespace

Finding config_error(const std::string& file, int line, int column, const std::string& message) {
  Finding f;
  f.code = "TT0002";
  f.severity = Severity::error;
  f.message = message;
  f.file = file;
  f.line = line;
  f.column = column;
  f.invalid_input = true;
  return f;
}

std::vector<Finding> parse_tool_config(const std::string& text, const std::string& file,
                                       const std::string& dir, const std::string& root,
                                       ToolConfig& into) {
  std::vector<Finding> errors;
  Result<toml::table, Finding> parsed = parse_toml(text, file);
  if (!parsed.ok()) {
    const Finding& f = parsed.error();
    return {config_error(f.file, f.line, f.column, f.message)};
  }
  const toml::table* doc = &parsed.value();
  into.files.push_back(file);
  Reader r(file, errors);
  r.check_keys(*doc, top_fields(), "");
  if (auto v = r.string(*doc, "kernel")) {
    if (parse_kernel_version(v->value)) {
      into.kernel = v;
    } else {
      errors.push_back(
          config_error(file, v->line, v->column,
                       "'kernel' must be a version like 5.15 or 6.1.12 (got '" + v->value + "')"));
    }
  }
  if (auto v = r.string(*doc, "semantics", {"systemd", "procps"})) into.semantics = v;
  if (auto v = r.string(*doc, "severity", k_severities)) into.severity = v;
  if (auto v = r.string(*doc, "fail-on", k_severities)) into.fail_on = v;
  if (auto v = r.codes(*doc, "exclude")) into.exclude = v;
  if (auto v = r.codes(*doc, "include")) into.include = v;
  const toml::node* ov = doc->get("overrides");
  if (ov == nullptr) return errors;
  const toml::array* arr = ov->as_array();
  if (arr == nullptr) {
    r.error(ov->source(), "'overrides' must be an array of tables ([[overrides]])");
    return errors;
  }
  for (const toml::node& el : *arr) {
    const toml::table* t = el.as_table();
    if (t == nullptr) {
      r.error(el.source(), "each element of 'overrides' must be a table ([[overrides]])");
      continue;
    }
    r.check_keys(*t, override_fields(), " in [[overrides]]");
    PathOverride o;
    const toml::node* paths = t->get("paths");
    const toml::array* parr = paths != nullptr ? paths->as_array() : nullptr;
    if (paths == nullptr) {
      r.error(t->source(), "[[overrides]] needs 'paths', the files it applies to");
      continue;
    }
    if (parr == nullptr || parr->empty()) {
      r.error(paths->source(), "'paths' must be a non-empty array of file patterns");
      continue;
    }
    bool ok = true;
    for (const toml::node& p : *parr) {
      const auto* s = p.as_string();
      if (s == nullptr || s->get().empty()) {
        r.error(p.source(), "'paths' must hold non-empty strings (file patterns)");
        ok = false;
        continue;
      }
      o.patterns.push_back(absolute_pattern(s->get(), dir, root));
    }
    o.exclude = r.codes(*t, "exclude");
    o.include = r.codes(*t, "include");
    o.severity = r.string(*t, "severity", k_severities);
    if (ok) into.overrides.push_back(std::move(o));
  }
  return errors;
}

}  // namespace tcptune
