#include "render/report_formats.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <string>

#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"
#include "render/findings_render.hpp"

namespace tcptune {

namespace {

std::string report_path(const Finding& f, const std::string& proc_dir) {
  if (!f.file.empty()) {
    return f.file.compare(0, 2, "./") == 0 ? f.file.substr(2) : f.file;
  }
  NormalizedKey k = f.key ? normalize_key(*f.key) : NormalizedKey{};
  return proc_dir + (k.path.empty() ? "/net/tcp" : "/sys/" + k.path);
}

const char* codeclimate_severity(Severity s) {
  switch (s) {
    case Severity::error:
      return "critical";
    case Severity::warning:
      return "major";
    case Severity::info:
      return "info";
  }
  return "major";
}

// FNV-1a, 64 bits, as 16 hex digits: a fingerprint, not a security property.
std::string fnv1a_hex(const std::string& s) {
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digits[h & 0xF];
    h >>= 4;
  }
  return out;
}

// XML 1.0 text: bytes that are not UTF-8 (file names) and control characters other than tab
// and newline, which no XML document may hold even escaped, become U+FFFD.
std::string xml_text(const std::string& s) {
  std::string out;
  std::string_view rest = s;
  while (!rest.empty()) {
    std::size_t bad = find_invalid_utf8(rest);
    std::string_view good = rest.substr(0, bad);
    for (char c : good) {
      auto u = static_cast<unsigned char>(c);
      out += (u < 0x20 && c != '\t' && c != '\n') || u == 0x7f ? std::string("\xEF\xBF\xBD")
                                                               : std::string(1, c);
    }
    if (bad == std::string_view::npos) break;
    out += "\xEF\xBF\xBD";
    rest.remove_prefix(bad + 1);
  }
  return out;
}

// An attribute value as libxml2's writer escapes it (the output stays byte for byte what it was
// when libxml2 wrote it): the markup characters and the quote as entities, and tab, newline and
// carriage return as character references, so that a reader's attribute-value normalisation
// does not turn them into spaces. Every other byte (UTF-8 included) is written as it is.
void append_attribute_value(std::string& out, const std::string& s) {
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace

std::string render_codeclimate(const std::vector<Finding>& findings, const std::string& proc_dir) {
  Json issues = Json::array();
  std::map<std::string, int> seen;
  for (const Finding& f : findings) {
    std::string path = report_path(f, proc_dir);
    // Line numbers stay out of the fingerprint: a line added above must not make GitLab see a
    // new issue. Repeats of the same finding get their rank appended.
    std::string basis = f.code + "\n" + path + "\n" + (f.key ? *f.key : f.message);
    int n = seen[basis]++;
    if (n > 0) basis += cat("\n", std::to_string(n));
    Json issue;
    issue["type"] = "issue";
    issue["check_name"] = f.code;
    // GitLab's widget shows the description only: the code goes in it, as in the gcc format.
    issue["description"] = f.message + " [" + f.code + "]";
    issue["categories"] = Json::array({"Bug Risk"});
    issue["severity"] = codeclimate_severity(f.severity);
    issue["fingerprint"] = fnv1a_hex(basis);
    issue["location"] = {{"path", path}, {"lines", {{"begin", std::max(f.line, 1)}}}};
    issues.push_back(std::move(issue));
  }
  return dump_json(issues);
}

std::string render_checkstyle(const std::vector<Finding>& findings, const std::string& version,
                              const std::string& proc_dir) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Finding*>> by_file;
  for (const Finding& f : findings) {
    std::string path = report_path(f, proc_dir);
    auto [it, inserted] = by_file.try_emplace(path);
    if (inserted) order.push_back(path);
    it->second.push_back(&f);
  }
  // The writer is small enough to be written out: libxml2 for it alone made every start of the
  // tool map libxml2, ICU, liblzma and zlib (bench/check/README.md).
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  auto attr = [&out](const char* name, const std::string& value) {
    out += ' ';
    out += name;
    out += "=\"";
    append_attribute_value(out, xml_text(value));
    out += '"';
  };
  out += "<checkstyle";
  attr("version", "tcptune " + version);
  if (order.empty()) return out + "/>\n";  // as libxml2 closed an element without children
  out += ">\n";
  for (const std::string& path : order) {
    out += " <file";
    attr("name", path);
    out += ">\n";
    for (const Finding* f : by_file[path]) {
      out += "  <error";
      attr("line", std::to_string(std::max(f->line, 1)));
      if (f->line > 0 && f->column > 0) attr("column", std::to_string(f->column));
      attr("severity", std::string(to_string(f->severity)));
      attr("message", f->message + " [" + f->code + "]");
      attr("source", "tcptune." + f->code);
      out += "/>\n";
    }
    out += " </file>\n";
  }
  out += "</checkstyle>\n";
  return out;
}

}  // namespace tcptune
