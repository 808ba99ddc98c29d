#include "render/findings_render.hpp"

#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

namespace tcptune {

namespace {

std::string location(const Finding& f) {
  if (f.file.empty()) return "tcptune";
  std::string out = f.file;
  if (f.line > 0) {
    out += cat(":", std::to_string(f.line));
    if (f.column > 0) out += cat(":", std::to_string(f.column));
  }
  return out;
}

std::string expand_tabs(std::string_view s, int column, int& caret) {
  std::string out;
  caret = 0;
  for (std::size_t i = 0; i < s.size() && i < 200; ++i) {
    if (static_cast<int>(i) + 1 == column) caret = static_cast<int>(out.size());
    char c = s[i];
    if (c == '\t') {
      out += ' ';
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  if (column > static_cast<int>(std::min<std::size_t>(s.size(), 200)))
    caret = static_cast<int>(out.size());
  return out;
}

std::string gh_escape(std::string_view s, bool property) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '%':
        out += "%25";
        break;
      case '\r':
        out += "%0D";
        break;
      case '\n':
        out += "%0A";
        break;
      case ':':
        out += property ? "%3A" : ":";
        break;
      case ',':
        out += property ? "%2C" : ",";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Json evidence_json(const Evidence& ev) {
  Json out = Json::object();
  for (const auto& [k, v] : ev) {
    std::visit([&, &key = k](const auto& x) { out[key] = x; }, v);
  }
  return out;
}

std::string file_uri(const std::string& path) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (unsigned char c : path) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
        c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return path.empty() || path.front() != '/' ? out : "file://" + out;
}

int code_point_column(const std::string& line, int byte_column) {
  int col = 1;
  for (std::size_t i = 0; i + 1 < static_cast<std::size_t>(byte_column) && i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++col;
  }
  return line.empty() ? byte_column : col;
}

const char* sarif_level(Severity s) {
  switch (s) {
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::info:
      return "note";
  }
  return "warning";
}

}  // namespace

std::string render_finding_text(const Finding& f, const Style& style, bool with_source) {
  std::string out = style.bold(location(f)) + ": " +
                    style.severity(f.severity, std::string(to_string(f.severity))) + ": " +
                    f.message + " " + style.dim("[" + f.code + "]") + "\n";
  if (with_source && f.line > 0 && !f.source_line.empty()) {
    int caret = 0;
    std::string line = expand_tabs(f.source_line, f.column, caret);
    out += "    " + line + "\n";
    if (f.column > 0)
      out += "    " + std::string(static_cast<std::size_t>(caret), ' ') + style.green("^") + "\n";
  }
  if (with_source && !f.hint.empty()) out += "    " + style.dim("hint: ") + f.hint + "\n";
  return out;
}

std::string render_finding_gcc(const Finding& f, const std::string& proc_dir) {
  const char* sev = f.severity == Severity::info
                        ? "note"
                        : (f.severity == Severity::warning ? "warning" : "error");
  std::string file = f.file;
  if (file.empty()) {
    NormalizedKey k = f.key ? normalize_key(*f.key) : NormalizedKey{};
    file = proc_dir + (k.path.empty() ? "/net/tcp" : "/sys/" + k.path);
  }
  std::string where = file + ":" + std::to_string(std::max(f.line, 1)) + ":" +
                      std::to_string(f.line > 0 ? std::max(f.column, 1) : 1);
  // One line per finding: a newline in a message would start a line no parser can place.
  std::string message = f.message;
  std::replace(message.begin(), message.end(), '\n', ' ');
  return where + ": " + sev + ": " + message + " [" + f.code + "]\n";
}

std::string render_finding_github(const Finding& f) {
  const char* cmd = f.severity == Severity::error
                        ? "error"
                        : (f.severity == Severity::warning ? "warning" : "notice");
  std::string props;
  if (!f.file.empty()) {
    props += "file=" + gh_escape(f.file, true);
    if (f.line > 0) props += ",line=" + std::to_string(f.line);
    if (f.column > 0) props += ",col=" + std::to_string(f.column);
    props += ",";
  }
  props += "title=" + gh_escape("tcptune " + f.code, true);
  return std::string("::") + cmd + " " + props + "::" + gh_escape(f.message, false) + "\n";
}

Json finding_json(const Finding& f) {
  Json j;
  j["code"] = f.code;
  j["severity"] = to_string(f.severity);
  j["message"] = f.message;
  j["key"] = f.key ? Json(*f.key) : Json(nullptr);
  j["value"] = f.value ? Json(*f.value) : Json(nullptr);
  j["file"] = f.file.empty() ? Json(nullptr) : Json(f.file);
  j["line"] = f.line > 0 ? Json(f.line) : Json(nullptr);
  j["column"] = f.column > 0 ? Json(f.column) : Json(nullptr);
  j["evidence"] = evidence_json(f.evidence);
  j["hint"] = f.hint.empty() ? Json(nullptr) : Json(f.hint);
  return j;
}

Json sarif_log(const std::vector<Finding>& findings, const CheckCatalog& checks,
               const std::string& version) {
  std::set<std::string> used;
  for (const Finding& f : findings) used.insert(f.code);
  Json rules = Json::array();
  std::map<std::string, std::size_t> index;
  for (const std::string& code : used) {
    Json r;
    r["id"] = code;
    const CheckInfo* info = checks.find(code);
    if (info != nullptr) {
      r["name"] = info->name;
      r["shortDescription"] = {{"text", info->title}};
      r["fullDescription"] = {{"text", info->explain}};
      r["help"] = {{"text", info->explain + "\n\nWhat to do: " + info->hint}};
      r["defaultConfiguration"] = {{"level", sarif_level(info->severity)}};
      r["properties"] = {{"references", info->references}};
    } else {
      r["shortDescription"] = {{"text", code}};
    }
    index[code] = rules.size();
    rules.push_back(std::move(r));
  }
  Json results = Json::array();
  for (const Finding& f : findings) {
    Json r;
    r["ruleId"] = f.code;
    r["ruleIndex"] = index[f.code];
    r["level"] = sarif_level(f.severity);
    r["message"] = {{"text", f.message}};
    if (!f.file.empty()) {
      Json phys;
      phys["artifactLocation"] = {{"uri", file_uri(f.file)}};
      if (f.line > 0) {
        Json region;
        region["startLine"] = f.line;
        // Columns are bytes inside tcptune; SARIF gets code points (columnKind below).
        if (f.column > 0) region["startColumn"] = code_point_column(f.source_line, f.column);
        if (!f.source_line.empty()) region["snippet"] = {{"text", f.source_line}};
        phys["region"] = region;
      }
      r["locations"] = Json::array({Json{{"physicalLocation", phys}}});
    }
    Json props = Json::object();
    if (f.key) props["key"] = *f.key;
    if (f.value) props["value"] = *f.value;
    if (!f.evidence.empty()) props["evidence"] = evidence_json(f.evidence);
    if (!props.empty()) r["properties"] = props;
    results.push_back(std::move(r));
  }
  Json driver;
  driver["name"] = "tcptune";
  driver["version"] = version;
  driver["semanticVersion"] = version;
  driver["rules"] = std::move(rules);
  Json run;
  run["tool"] = {{"driver", driver}};
  run["results"] = std::move(results);
  run["columnKind"] = "unicodeCodePoints";
  Json log;
  log["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  log["version"] = "2.1.0";
  log["runs"] = Json::array({run});
  return log;
}

std::string dump_json(const Json& j) {
  return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string prometheus_label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string severity_counts(const std::vector<Finding>& findings) {
  std::size_t n[3] = {0, 0, 0};
  for (const Finding& f : findings) ++n[static_cast<int>(f.severity)];
  auto part = [](std::size_t count, const char* word) {
    return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
  };
  return part(n[2], "error") + ", " + part(n[1], "warning") + ", " + part(n[0], "info");
}

}  // namespace tcptune
