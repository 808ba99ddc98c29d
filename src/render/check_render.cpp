#include "render/check_render.hpp"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "census/socket_record.hpp"
#include "render/findings_render.hpp"
#include "render/report_formats.hpp"

namespace tcptune {

namespace {

std::string kernel_line(const CheckReport& r) {
  if (r.kernel_source == "unknown") return "kernel unknown";
  std::string out = "kernel " + r.kernel_version;
  if (!r.kernel_release.empty() && r.kernel_release != r.kernel_version)
    out += " (" + r.kernel_release + ")";
  if (r.kernel_source == "option") out += " (--kernel)";
  return out;
}

std::string netns_text(const CheckReport& r) {
  if (!r.netns.empty()) return "network namespace " + r.netns;
  if (!r.initial_netns) return "network namespace not determined";
  return *r.initial_netns ? "initial network namespace" : "a non-initial network namespace";
}

std::string change_target(const Change& c) {
  if (!c.target) return "(not set)";
  return *c.target;
}

}  // namespace

std::string changes_text(const std::vector<Change>& changes, const Style& st) {
  std::string out;
  for (const Change& c : changes) {
    if (c.op == TargetOp::absent) {
      if (c.persisted) {
        out += st.red("- " + c.key + " = " + *c.persisted + "  (" + c.persisted_at + ")") + "\n";
        out += st.green("+ (remove the line: the key must not be set)") + "\n";
      }
      if (c.live) {
        out += st.red("- " + c.key + " = " + c.current.value_or("(absent)") + "  (live)") + "\n";
        out += st.green("+ " + c.key + " = " + change_target(c) + "  (live, the default)") + "\n";
      }
      out += "    why: " + c.reason + "\n";
      continue;
    }
    out += st.red("- " + c.key + " = " + c.current.value_or("(absent)")) + "\n";
    std::string plus = "+ " + c.key + " = " + change_target(c);
    if (c.op == TargetOp::ge) plus += "  (at least)";
    if (c.op == TargetOp::le) plus += "  (at most)";
    out += st.green(plus) + "\n";
    if (c.persisted) {
      out += "    persisted: " + *c.persisted + " at " + c.persisted_at;
      if (!c.live) out += " (the live value is right; the boot-time value is not)";
      out += "\n";
    } else if (c.persist && !c.live) {
      out += "    persisted: nothing (the kernel default at boot does not meet the target)\n";
    }
    out += "    why: " + c.reason + "\n";
  }
  return out;
}

Json change_json(const Change& c) {
  Json o;
  o["key"] = c.key;
  o["op"] = std::string(to_string(c.op));
  o["current"] = c.current ? Json(*c.current) : Json(nullptr);
  o["target"] = c.target ? Json(*c.target) : Json(nullptr);
  o["persisted"] = c.persisted ? Json(*c.persisted) : Json(nullptr);
  o["persisted_at"] = c.persisted_at.empty() ? Json(nullptr) : Json(c.persisted_at);
  o["live_change"] = c.live;
  o["persist_change"] = c.persist;
  o["reason"] = c.reason;
  o["reference"] = c.reference;
  o["profile"] = c.profile;
  return o;
}

namespace {

std::string text_report(const CheckReport& r, const Style& st) {
  std::string out;
  out += st.bold("tcptune check") + ": " + kernel_line(r) + ", " + netns_text(r) + "\n";
  out += "profile: " + st.bold(r.profile);
  if (r.profile_chain.size() > 1) {
    out += " (";
    for (std::size_t i = 1; i < r.profile_chain.size(); ++i)
      out += (i > 1 ? " < " : "extends ") + r.profile_chain[i];
    out += ")";
  }
  out += r.profile_source == "option" ? " (--profile)\n" : "\n  " + r.profile_reason + "\n";
  if (r.census != nullptr) {
    const auto& s = r.census->sockets;
    out += "sockets: " + std::to_string(s.total()) + " TCP (" + r.census->source + ")";
    std::string parts;
    for (int state = 1; state <= 11; ++state) {
      std::uint64_t n = s.state_total(state);
      if (n == 0) continue;
      parts +=
          (parts.empty() ? "" : ", ") + std::string(state_name(state)) + " " + std::to_string(n);
    }
    if (!parts.empty()) out += ": " + parts;
    out += "\n";
    // Only a live sample is worth a line: under --root every rate is a lower bound and the
    // findings say so.
    if (r.census->sample.two_snapshots) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "rates: measured over %.2f s between two snapshots\n",
                    r.census->sample.seconds);
      out += buf;
    } else if (r.census->source == "netlink") {
      out += "rates: lower bounds, one snapshot (" + r.census->sample.why_one + ")\n";
    }
  } else {
    out += "sockets: not counted (--no-sockets)\n";
  }
  std::size_t counts[3] = {0, 0, 0};
  for (const Finding& f : r.findings) ++counts[static_cast<int>(f.severity)];
  const char* headings[3] = {"info", "warnings", "errors"};
  for (int sev = 2; sev >= 0; --sev) {
    if (counts[sev] == 0 || (r.quiet && sev == static_cast<int>(Severity::info))) continue;
    out += "\n" + st.severity(static_cast<Severity>(sev), headings[sev]) + " (" +
           std::to_string(counts[sev]) + ")\n";
    for (const Finding& f : r.findings) {
      if (static_cast<int>(f.severity) != sev) continue;
      out += "  " + st.dim(f.code) + " " + f.message + "\n";
      if (!f.file.empty())
        out += "       " + st.dim("at ") + f.file +
               (f.line > 0 ? ":" + std::to_string(f.line) : std::string()) + "\n";
      if (!f.evidence.empty()) {
        std::string ev;
        for (const auto& [k, v] : f.evidence) {
          std::string text = std::visit(
              [](const auto& x) -> std::string {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, std::string>) {
                  return x;
                } else if constexpr (std::is_same_v<T, bool>) {
                  return x ? "true" : "false";
                } else if constexpr (std::is_same_v<T, double>) {
                  return fact_text(FactValue{x});
                } else {
                  return std::to_string(x);
                }
              },
              v);
          ev += (ev.empty() ? "" : ", ") + k + "=" + text;
        }
        out += "       " + st.dim("evidence: ") + ev + "\n";
      }
      if (!f.hint.empty()) out += "       " + st.dim("hint: ") + f.hint + "\n";
    }
  }
  if (r.findings.empty()) out += "\n" + st.green("no findings") + "\n";
  out += "\n";
  std::size_t unread = 0;
  for (const PlanNote& n : r.plan.notes) unread += n.reason == NoteReason::key_unreadable ? 1 : 0;
  if (r.plan.changes.empty() && unread > 0) {
    out += st.red("no changes found") + ", but the live value of " + std::to_string(unread) +
           " key(s) of profile " + r.profile + " cannot be read (see below)\n";
  } else if (r.plan.changes.empty()) {
    out += st.green("no changes") + ": the host meets profile " + r.profile + "\n";
  } else {
    out += st.bold("changes for profile " + r.profile) + " (" +
           std::to_string(r.plan.changes.size()) + ")\n";
    out += changes_text(r.plan.changes, st);
  }
  for (const PlanNote& n : r.plan.notes) out += st.dim("note: " + n.key + ": " + n.message) + "\n";
  if (!r.quiet) {
    std::string footer = render_help_footer(r.findings, r.checks, st);
    if (!footer.empty()) out += "\n" + footer;
  }
  return out;
}

Json check_json(const CheckReport& r) {
  Json j;
  j["schema"] = "tcptune.check/1";
  j["version"] = r.version;
  j["kernel"] = {{"release", r.kernel_release.empty() ? Json(nullptr) : Json(r.kernel_release)},
                 {"version", r.kernel_version.empty() ? Json(nullptr) : Json(r.kernel_version)},
                 {"source", r.kernel_source}};
  j["netns"] = {{"name", r.netns.empty() ? Json(nullptr) : Json(r.netns)},
                {"initial", r.initial_netns ? Json(*r.initial_netns) : Json(nullptr)}};
  j["profile"] = {{"name", r.profile},
                  {"source", r.profile_source},
                  {"reason", r.profile_reason},
                  {"extends", r.profile_chain.size() > 1
                                  ? Json(std::vector<std::string>(r.profile_chain.begin() + 1,
                                                                  r.profile_chain.end()))
                                  : Json::array()}};
  j["semantics"] = r.semantics;
  if (r.census != nullptr) {
    Json states = Json::object();
    const auto& s = r.census->sockets;
    for (int state = 1; state <= 11; ++state) {
      states[std::string(state_name(state))] = s.state_total(state);
    }
    Json metrics = Json::object();
    for (const auto& [k, v] : r.metrics) {
      Json& slot = metrics[k];  // not captured: clang before 16 cannot capture a binding
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, KernelVersion>) {
              slot = x.str();
            } else if constexpr (std::is_same_v<T, double>) {
              slot = std::round(x * 100) / 100;
            } else {
              slot = x;
            }
          },
          v);
    }
    j["sockets"] = {{"source", r.census->source},
                    {"total", s.total()},
                    {"states", states},
                    {"metrics", metrics}};
  } else {
    j["sockets"] = nullptr;
  }
  Json findings = Json::array();
  for (const Finding& f : r.findings) findings.push_back(finding_json(f));
  j["findings"] = findings;
  Json changes = Json::array();
  for (const Change& c : r.plan.changes) changes.push_back(change_json(c));
  j["changes"] = changes;
  Json notes = Json::array();
  for (const PlanNote& n : r.plan.notes) notes.push_back({{"key", n.key}, {"message", n.message}});
  j["notes"] = notes;
  std::size_t counts[3] = {0, 0, 0};
  for (const Finding& f : r.findings) ++counts[static_cast<int>(f.severity)];
  j["summary"] = {{"errors", counts[2]},
                  {"warnings", counts[1]},
                  {"infos", counts[0]},
                  {"changes", r.plan.changes.size()}};
  j["exit_code"] = r.exit_code;
  return j;
}

std::string prometheus(const CheckReport& r) {
  std::string out;
  out += "# HELP tcptune_check_findings Findings of tcptune check by severity.\n";
  out += "# TYPE tcptune_check_findings gauge\n";
  std::size_t counts[3] = {0, 0, 0};
  for (const Finding& f : r.findings) ++counts[static_cast<int>(f.severity)];
  for (int sev = 2; sev >= 0; --sev) {
    out += "tcptune_check_findings{severity=\"" +
           std::string(to_string(static_cast<Severity>(sev))) + "\"} " +
           std::to_string(counts[sev]) + "\n";
  }
  out += "# HELP tcptune_check_finding One finding of tcptune check (value 1).\n";
  out += "# TYPE tcptune_check_finding gauge\n";
  for (const Finding& f : r.findings) {
    out += "tcptune_check_finding{code=\"" + f.code + "\",severity=\"" +
           std::string(to_string(f.severity)) + "\",key=\"" + prometheus_label(f.key.value_or("")) +
           "\"} 1\n";
  }
  out += "# HELP tcptune_check_changes_pending Keys that differ from the profile.\n";
  out += "# TYPE tcptune_check_changes_pending gauge\n";
  out += "tcptune_check_changes_pending{profile=\"" + prometheus_label(r.profile) + "\"} " +
         std::to_string(r.plan.changes.size()) + "\n";
  out += "# HELP tcptune_check_change_pending One pending change (value 1).\n";
  out += "# TYPE tcptune_check_change_pending gauge\n";
  for (const Change& c : r.plan.changes) {
    out += "tcptune_check_change_pending{profile=\"" + prometheus_label(r.profile) + "\",key=\"" +
           prometheus_label(c.key) + "\",current=\"" + prometheus_label(c.current.value_or("")) +
           "\",target=\"" + prometheus_label(c.target.value_or("")) + "\"} 1\n";
  }
  return out;
}

}  // namespace

std::string render_check(const CheckReport& r, OutputFormat format, const Style& style) {
  switch (format) {
    case OutputFormat::json:
      return dump_json(check_json(r));
    case OutputFormat::prometheus:
      return prometheus(r);
    case OutputFormat::gcc: {
      std::string out;
      for (const Finding& f : r.findings) out += render_finding_gcc(f, r.proc_dir);
      return out;
    }
    case OutputFormat::codeclimate:
      return render_codeclimate(r.findings, r.proc_dir);
    case OutputFormat::checkstyle:
      return render_checkstyle(r.findings, r.version, r.proc_dir);
    default:
      return text_report(r, style);
  }
}

}  // namespace tcptune
