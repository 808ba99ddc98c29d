#include "render/lint_render.hpp"

#include <nlohmann/json.hpp>

#include "render/findings_render.hpp"
#include "render/fix_diff.hpp"
#include "render/report_formats.hpp"

namespace tcptune {

namespace {

constexpr std::size_t k_max_shadowed_shown = 100;

const char* role_name(const ConfigFile& f) {
  if (f.role == FileRole::masked) return "masked";
  if (f.role == FileRole::overridden) return "overridden";
  if (f.parsed < 0) return "unreadable";
  return "applied";
}

// One element of `effective`: a key's final value, where it is set, what it overrides.
Json effective_json(const std::string& path, const EffectiveKey& k, const LintReport& report,
                    const ConfigSet& set) {
  Json o;
  o["key"] = k.key;
  o["value"] = k.value;
  o["file"] = set.files[static_cast<std::size_t>(k.winner.file)].shown;
  o["line"] = entry_of(set, k.winner).line;
  o["from_glob"] = k.from_glob;
  // A generated file repeating a key 100,000 times must not make a 100,000-entry array: the
  // first k_max_shadowed_shown, and the total.
  Json sh = Json::array();
  for (const Assignment& a : k.shadowed) {
    if (sh.size() == k_max_shadowed_shown) break;
    sh.push_back({{"file", set.files[static_cast<std::size_t>(a.file)].shown},
                  {"line", entry_of(set, a).line},
                  {"value", entry_of(set, a).value}});
  }
  o["shadowed"] = std::move(sh);
  o["shadowed_total"] = k.shadowed.size();
  // Live mode: what the key holds after the boot as the program plays it (suppressed and
  // refused writes, the kernel's copies to interfaces), which may differ from `value`.
  Json at_boot(nullptr);
  Json copied(nullptr);
  if (report.boot) {
    auto b = report.boot->keys.find(path);
    if (b != report.boot->keys.end()) {
      const BootKey& bk = b->second;
      if (bk.value)
        at_boot = *bk.value;
      else if (bk.before)
        at_boot = *bk.before;
      if (!bk.propagated_from.empty()) copied = bk.propagated_from;
    }
  }
  o["value_at_boot"] = std::move(at_boot);
  o["copied_from"] = std::move(copied);
  return o;
}

Json lint_json(const LintReport& report, const ConfigSet& set, const LintMeta& meta) {
  Json j;
  j["schema"] = "tcptune.lint/1";
  j["tool"] = {{"name", "tcptune"}, {"version", meta.version}};
  j["semantics"] = to_string(set.semantics);
  j["mode"] = meta.live ? "live" : "offline";
  Json kernel;
  kernel["release"] = meta.kernel_release.empty() ? Json(nullptr) : Json(meta.kernel_release);
  kernel["source"] = meta.kernel_source;
  j["kernel"] = kernel;
  Json files = Json::array();
  for (const ConfigFile& f : set.files) {
    Json o;
    o["path"] = f.shown.empty() ? f.path : f.shown;
    o["location"] = f.path;
    o["status"] = role_name(f);
    o["by"] = f.by.empty() ? Json(nullptr) : Json(f.by);
    o["link"] = f.link_target.empty() ? Json(nullptr) : Json(f.link_target);
    o["read_last"] = f.tail;
    files.push_back(std::move(o));
  }
  j["files"] = std::move(files);
  // Written by render_lint one key at a time (dump_json_streamed), not built here as a tree.
  j["effective"] = Json::array();
  Json findings = Json::array();
  std::size_t n[3] = {0, 0, 0};
  for (const Finding& f : report.findings) {
    findings.push_back(finding_json(f));
    ++n[static_cast<int>(f.severity)];
  }
  j["findings"] = std::move(findings);
  j["summary"] = {{"files", set.parsed.size()}, {"error", n[2]}, {"warning", n[1]}, {"info", n[0]}};
  j["exit_code"] = meta.exit_code;
  return j;
}

}  // namespace

std::string render_lint(const LintReport& report, const ConfigSet& set, const CheckCatalog& checks,
                        const LintMeta& meta, OutputFormat format, const Style& style) {
  std::string out;
  switch (format) {
    case OutputFormat::json:
      return dump_json_streamed(lint_json(report, set, meta),
                                {{"effective", [&](JsonArrayWriter& w) {
                                    for (const auto& [path, k] : report.resolution.keys)
                                      w.add(effective_json(path, k, report, set));
                                  }}});
    case OutputFormat::sarif:
      return dump_json(sarif_log(report.findings, checks, meta.version));
    case OutputFormat::gcc:
      for (const Finding& f : report.findings) out += render_finding_gcc(f);
      return out;
    case OutputFormat::github:
      for (const Finding& f : report.findings) out += render_finding_github(f);
      return out;
    case OutputFormat::diff:
      return render_fix_diff(report.findings, set);
    case OutputFormat::codeclimate:
      return render_codeclimate(report.findings);
    case OutputFormat::checkstyle:
      return render_checkstyle(report.findings, meta.version);
    case OutputFormat::text:
    case OutputFormat::prometheus:
    case OutputFormat::man:
    case OutputFormat::markdown:
      break;
  }
  for (const Finding& f : report.findings) {
    if (meta.quiet && f.severity == Severity::info) continue;
    out += render_finding_text(f, style);
  }
  if (!meta.quiet) {
    std::size_t applied = 0;
    for (const ConfigFile& f : set.files)
      applied += f.role == FileRole::active && f.parsed >= 0 ? 1 : 0;
    out += (report.findings.empty() ? style.green("ok") : style.bold("summary")) + ": " +
           severity_counts(report.findings) + " in " + std::to_string(applied) + " file" +
           (applied == 1 ? "" : "s") + " (" + std::string(to_string(set.semantics)) +
           " semantics, " +
           (meta.live ? "live kernel " + (meta.kernel_release.empty() ? std::string("unknown")
                                                                      : meta.kernel_release)
                      : (meta.kernel_release.empty() ? std::string("offline, kernel unknown")
                                                     : "offline, kernel " + meta.kernel_release)) +
           ")\n";
    out += render_help_footer(report.findings, &checks, style);
  }
  return out;
}

}  // namespace tcptune
