#pragma once
/// Renders findings in the line-oriented formats shared by every command, and as JSON /
/// SARIF objects. nlohmann_json is used only in src/render (and explain_command.cpp): this
/// header declares Json with nlohmann/json_fwd.hpp, so that a file which only passes findings
/// around does not compile the whole library; the files that build JSON include it.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/catalog.hpp"
#include "core/finding.hpp"
#include "render/style.hpp"

namespace tcptune {

using Json = nlohmann::ordered_json;

/// `path:line:col: severity: message [TTnnnn]`, then the source line with a caret, the hint
/// and the fix's description (text format).
std::string render_finding_text(const Finding& f, const Style& style);
/// gcc format: every line is `file:line:col: severity: message [TTnnnn]`, so that editors'
/// gcc parsers (vim's errorformat, VS Code's $gcc) take every line. A finding about a whole
/// file gets line 1, column 1. A finding without a file is located where its evidence can be
/// read: a key's live value at PROC/sys/<key path>, a socket census finding at PROC/net/tcp
/// (the socket table the census summarises). `proc_dir` is /proc, or DIR/proc under --root.
std::string render_finding_gcc(const Finding& f, const std::string& proc_dir = "/proc");
/// The file a finding is about: its own, or for one without a file the pseudo-file where its
/// evidence is read (PROC/sys/<key path>, PROC/net/tcp), as gcc format and SARIF place it.
std::string finding_file(const Finding& f, const std::string& proc_dir = "/proc");
/// The page of a code: the build-time base URL (CMake TCPTUNE_HELP_BASE_URL; default the
/// installed docs/codes.md#) followed by the code. SARIF helpUri, JSON help_uri, text footer.
std::string help_uri(std::string_view code);
/// SARIF tool.driver.informationUri (CMake TCPTUNE_INFORMATION_URI).
std::string information_uri();
/// ShellCheck's last lines: "For more information:" and one "  URI -- title" per code seen
/// (sorted); "" when there is no finding. `checks` may be null (no titles).
std::string render_help_footer(const std::vector<Finding>& findings, const CheckCatalog* checks,
                               const Style& style);
/// GitHub Actions workflow command (`::error file=...,line=...::message`).
std::string render_finding_github(const Finding& f);

/// The finding as the JSON object of every tcptune schema (stable key order).
Json finding_json(const Finding& f);
/// [{pid, comm, unit, container, runtime, pod, sockets, inferred, basis}] (docs/json.md).
Json owners_json(const std::vector<SocketOwner>& owners);

/// A SARIF 2.1.0 log for the findings. Rules come from the check catalog (every code used).
Json sarif_log(const std::vector<Finding>& findings, const CheckCatalog& checks,
               const std::string& version);

/// Pretty JSON plus a newline. Bytes that are not UTF-8 (file names, source lines) become
/// U+FFFD instead of failing the whole output.
std::string dump_json(const Json& j);

/// Writes the elements of a top-level array of a report one at a time, as dump_json writes them
/// there: a tree of a whole report of 25,000 keys took about seven times the memory of its text.
class JsonArrayWriter {
 public:
  explicit JsonArrayWriter(std::string& out) : m_out(out) {}
  void add(const Json& element);

 private:
  friend std::string dump_json_streamed(
      const Json&,
      const std::vector<std::pair<std::string, std::function<void(JsonArrayWriter&)>>>&);
  void close();
  std::string& m_out;
  bool m_any = false;
};

/// dump_json(top), where each key of `arrays` is an empty array at the top level of `top`, with
/// the elements its function adds in its place.
std::string dump_json_streamed(
    const Json& top,
    const std::vector<std::pair<std::string, std::function<void(JsonArrayWriter&)>>>& arrays);

/// A Prometheus label value with backslash, quote and newline escaped.
std::string prometheus_label(const std::string& s);

/// "2 errors, 1 warning, 0 infos".
std::string severity_counts(const std::vector<Finding>& findings);

}  // namespace tcptune
