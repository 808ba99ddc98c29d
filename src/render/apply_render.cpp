#include "render/apply_render.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/text_util.hpp"
#include "render/check_render.hpp"
#include "render/findings_render.hpp"

namespace tcptune {

namespace {

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    std::string full = prefix + line;
    while (!full.empty() && full.back() == ' ') full.pop_back();
    out += full + "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

std::string mode_text(const ApplyReport& r) {
  if (r.mode == "live-only" && r.implicit_netns)
    return "live values only: tcptune runs in network namespace " + r.netns +
           ", not the initial one, and the sysctl.d fragment would retune the whole host at "
           "boot (--persist writes it anyway; for the namespace's container or pod, the "
           "snippet below)";
  if (r.mode == "live-only")
    return r.netns.empty() ? "live values only" : "live values in network namespace " + r.netns;
  if (r.mode == "persist-only") return "sysctl.d fragment only";
  return "live values and the sysctl.d fragment";
}

std::string text_apply(const ApplyReport& r, const Style& st) {
  std::string out;
  out += st.bold("tcptune apply") + ": profile " + st.bold(r.profile);
  if (r.profile_chain.size() > 1) {
    out += " (";
    for (std::size_t i = 1; i < r.profile_chain.size(); ++i)
      out += (i > 1 ? " < " : "extends ") + r.profile_chain[i];
    out += ")";
  }
  out += ", " + mode_text(r) + (r.dry_run ? " (dry run)" : "") + "\n\n";
  std::size_t unread = 0;
  for (const PlanNote& n : r.notes) unread += n.reason == NoteReason::key_unreadable ? 1 : 0;
  if (r.changes.empty() && unread > 0) {
    out += st.red("no changes found") + ", but the live value of " + std::to_string(unread) +
           " key(s) of profile " + r.profile + " cannot be read (see below)\n";
  } else if (r.changes.empty()) {
    out += st.green("no changes") + ": the host meets profile " + r.profile + "\n";
  } else {
    out += st.bold("changes") + " (" + std::to_string(r.changes.size()) + ")\n";
    out += changes_text(r.changes, st);
  }
  for (const PlanNote& n : r.notes) out += st.dim("note: " + n.key + ": " + n.message) + "\n";
  if (!r.shadows.empty()) {
    bool fixed = r.fix_files && std::find(r.refusals.begin(), r.refusals.end(),
                                          std::string(k_shadow_refusal)) == r.refusals.end();
    out += '\n';
    out += fixed               ? st.severity(Severity::info, "fixed")
           : r.shadows_allowed ? st.severity(Severity::warning, "warning")
                               : st.severity(Severity::error, "refused");
    out += ": these later assignments would override the fragment at boot:\n";
    for (const Shadow& s : r.shadows) {
      const std::string line = s.line > 0 ? cat(":", std::to_string(s.line)) : std::string();
      const std::string value = s.line > 0 ? cat(" = ", s.value) : std::string();
      out += cat("  ", s.file, line, ": ", s.key, value, " (", to_string(s.semantics), ": ", s.why,
                 ")\n");
    }
    if (fixed)
      out += "  --fix-files disables the lines that set another value (below).\n";
    else if (!r.shadows_allowed)
      out +=
          "  Remove those lines, or choose with --fragment a name that sorts after them (nothing\n"
          "  comes after /etc/sysctl.conf for `sysctl --system`), or go ahead with\n"
          "  --allow-shadowed (the live values change; at boot those files win).\n";
  }
  if (!r.file_edits.empty()) {
    out += cat("\n", st.bold(r.dry_run ? "files --fix-files would edit" : "files edited"), " (",
               std::to_string(r.file_edits.size()), ")\n");
    for (const PlannedEdit& pe : r.file_edits) {
      out += pe.edit.kind == "mask" ? cat("  ", pe.shown, ": new, masks ", pe.masks_shown, "\n")
                                    : cat("  ", pe.shown, "\n");
      for (const DisabledLine& l : pe.lines)
        out += cat("    line ", std::to_string(l.line), ": ", l.key, ": ", l.reason, "\n");
    }
    if (r.dry_run) {
      out += "\n";
      for (const PlannedEdit& pe : r.file_edits) out += pe.diff;
    }
  } else if (r.fix_files) {
    out += "\n--fix-files: no line of another file to disable.\n";
  }
  if (r.fragment_write && r.fragment_text) {
    out += cat("\n",
               st.bold(cat(r.dry_run ? "fragment that would be written to " : "fragment ",
                           r.fragment_shown)),
               "\n");
    out += indent(*r.fragment_text, "  | ");
  }
  if (!r.kubernetes.empty()) {
    out += cat("\n", st.bold("Kubernetes"));
    out +=
        ": a pod's network namespace starts from kernel defaults; set these in the pod spec.\n"
        "Unsafe sysctls need the kubelet flag --allowed-unsafe-sysctls on every node that runs "
        "the pod.\n";
    std::string y = "spec:\n  securityContext:\n    sysctls:\n";
    for (const PodSysctl& p : r.kubernetes) {
      y += "    - name: " + p.key + "    # " + (p.safe ? "safe" : "unsafe") + ": " + p.note + "\n";
      y += "      value: \"" + p.value + "\"\n";
    }
    out += indent(y, "  ");
    std::string flags;
    for (const PodSysctl& p : r.kubernetes) flags += " --sysctl " + p.key + "=" + p.value;
    out += "  A container: docker run" + flags + " ... (podman and nerdctl take the same flags).\n";
  }
  out += "\n";
  for (const std::string& x : r.refusals)
    out += st.severity(Severity::error, "refused") + ": " + x + "\n";
  for (const std::string& e : r.errors)
    out += st.severity(Severity::error, "failed") + ": " + e + "\n";
  if (r.result == "nothing-to-do") {
    out += "nothing to do.\n";
  } else if (r.result == "dry-run") {
    out += "dry run: nothing was changed; run without --dry-run to apply.\n";
  } else if (r.result == "committed") {
    out += st.green("applied") + ": transaction " + r.transaction + " committed (" +
           std::to_string(r.written.size()) + " live value(s) written and verified" +
           (r.fragment_write ? ", fragment " + r.fragment_shown + " written" : "") +
           (r.file_edits.empty()
                ? ""
                : ", " + std::to_string(r.file_edits.size()) + " other file(s) edited or masked") +
           "). Undo with `tcptune rollback " + r.transaction + "`.\n";
  } else if (r.result == "rolled-back") {
    out += "rolled back: transaction " + r.transaction +
           " failed and everything it changed was restored.\n";
  } else if (r.result == "rollback-failed") {
    out += st.severity(Severity::error, "ROLLBACK INCOMPLETE") + ": transaction " + r.transaction +
           " failed and these are NOT as before:\n";
    for (const std::string& l : r.left) out += "  " + l + "\n";
    out += "Fix them by hand, or retry with `tcptune rollback " + r.transaction + "`.\n";
  } else if (r.result == "refused") {
    out += "nothing was changed.\n";
  }
  return out;
}

Json apply_json(const ApplyReport& r) {
  Json j;
  j["schema"] = "tcptune.apply/1";
  j["version"] = r.version;
  j["profile"] = {{"name", r.profile},
                  {"extends", r.profile_chain.size() > 1
                                  ? Json(std::vector<std::string>(r.profile_chain.begin() + 1,
                                                                  r.profile_chain.end()))
                                  : Json::array()}};
  j["mode"] = r.mode;
  j["netns"] = r.netns.empty() ? Json(nullptr) : Json(r.netns);
  j["dry_run"] = r.dry_run;
  j["transaction"] = r.transaction.empty() ? Json(nullptr) : Json(r.transaction);
  j["result"] = r.result;
  Json changes = Json::array();
  for (const Change& c : r.changes) changes.push_back(change_json(c));
  j["changes"] = changes;
  Json notes = Json::array();
  for (const PlanNote& n : r.notes) notes.push_back({{"key", n.key}, {"message", n.message}});
  j["notes"] = notes;
  if (r.fragment_path.empty()) {
    j["fragment"] = nullptr;
  } else {
    j["fragment"] = {{"path", r.fragment_path},
                     {"write", r.fragment_write},
                     {"text", r.fragment_text ? Json(*r.fragment_text) : Json(nullptr)},
                     {"current", r.fragment_current ? Json(*r.fragment_current) : Json(nullptr)}};
  }
  Json shadows = Json::array();
  for (const Shadow& s : r.shadows) {
    shadows.push_back({{"key", s.key},
                       {"file", s.file},
                       {"line", s.line > 0 ? Json(s.line) : Json(nullptr)},
                       {"value", s.line > 0 ? Json(s.value) : Json(nullptr)},
                       {"semantics", std::string(to_string(s.semantics))},
                       {"why", s.why}});
  }
  j["shadowed"] = shadows;
  if (r.fix_files) {
    Json edits = Json::array();
    for (const PlannedEdit& pe : r.file_edits) {
      Json lines = Json::array();
      for (const DisabledLine& l : pe.lines)
        lines.push_back({{"line", l.line}, {"key", l.key}, {"text", l.text}, {"reason", l.reason}});
      edits.push_back({{"path", pe.edit.path},
                       {"file", pe.shown},
                       {"kind", pe.edit.kind},
                       {"masks", pe.edit.kind == "mask" ? Json(pe.masks_shown) : Json(nullptr)},
                       {"disabled", lines},
                       {"before", pe.edit.previous ? Json(*pe.edit.previous) : Json(nullptr)},
                       {"after", pe.edit.written},
                       {"diff", pe.diff}});
    }
    j["file_edits"] = edits;
  } else {
    j["file_edits"] = Json::array();
  }
  j["refusals"] = r.refusals;
  j["written"] = r.written;
  j["errors"] = r.errors;
  j["left"] = r.left;
  if (!r.kubernetes.empty()) {
    Json k = Json::array();
    for (const PodSysctl& p : r.kubernetes)
      k.push_back({{"name", p.key}, {"value", p.value}, {"safe", p.safe}, {"note", p.note}});
    j["kubernetes_sysctls"] = k;
  }
  j["exit_code"] = r.exit_code;
  return j;
}

}  // namespace

std::string render_apply(const ApplyReport& r, OutputFormat format, const Style& st) {
  if (format == OutputFormat::json) return dump_json(apply_json(r));
  return text_apply(r, st);
}

std::string render_rollback(const RollbackReport& r, OutputFormat format, const Style& st) {
  if (format == OutputFormat::json) {
    Json j;
    j["schema"] = "tcptune.rollback/1";
    j["transaction"] = r.transaction.empty() ? Json(nullptr) : Json(r.transaction);
    j["profile"] = r.profile.empty() ? Json(nullptr) : Json(r.profile);
    j["result"] = r.result;
    j["forced"] = r.forced;
    j["drift"] = r.drift;
    j["restored"] = r.restored;
    j["left"] = r.left;
    j["notes"] = r.notes;
    j["dry_run"] = r.dry_run;
    if (r.dry_run) {
      Json changes = Json::array();
      for (const RollbackPreview::Key& k : r.preview.keys)
        changes.push_back({{"key", k.key},
                           {"current", k.current ? Json(*k.current) : Json(nullptr)},
                           {"restore", k.restore}});
      j["changes"] = changes;
      const RollbackPreview& p = r.preview;
      j["fragment"] =
          p.fragment_change
              ? Json{{"path", p.fragment_path},
                     {"current", p.fragment_current ? Json(*p.fragment_current) : Json(nullptr)},
                     {"restore", p.fragment_restore ? Json(*p.fragment_restore) : Json(nullptr)}}
              : Json(nullptr);
      Json files = Json::array();
      for (const RollbackPreview::File& f : p.files)
        files.push_back({{"path", f.path},
                         {"kind", f.kind},
                         {"current", f.current ? Json(*f.current) : Json(nullptr)},
                         {"restore", f.restore ? Json(*f.restore) : Json(nullptr)}});
      j["files"] = files;
    }
    j["exit_code"] = r.exit_code;
    return dump_json(j);
  }
  std::string out;
  out +=
      st.bold("tcptune rollback") +
      (r.transaction.empty() ? std::string(": no transaction")
                             : ": transaction " + r.transaction + " (profile " + r.profile + ")") +
      "\n";
  if (!r.drift.empty()) {
    out +=
        (r.forced ? "changed since the transaction (--force: restoring anyway):\n"
                  : st.severity(Severity::error, "refused") + ": changed since the transaction:\n");
    for (const std::string& d : r.drift) out += "  " + d + "\n";
    if (!r.forced) out += "Nothing was changed. --force restores the values before it anyway.\n";
  }
  for (const std::string& x : r.restored) out += "  restored " + x + "\n";
  if (r.dry_run && r.result == "dry-run") {
    for (const RollbackPreview::Key& k : r.preview.keys)
      out += "  would restore " + k.key + " = " + k.restore + " (now " +
             (k.current ? "'" + *k.current + "'" : std::string("unreadable")) + ")\n";
    if (r.preview.fragment_change)
      out += "  would " +
             std::string(r.preview.fragment_restore ? "restore the previous " : "remove the ") +
             "fragment " + r.fragment_shown + "\n";
    for (const RollbackPreview::File& f : r.preview.files)
      out += "  would " +
             std::string(f.restore ? "restore the previous bytes of " : "remove the mask ") +
             f.shown + "\n";
    if (r.preview.keys.empty() && !r.preview.fragment_change && r.preview.files.empty())
      out += "  nothing to restore: everything is as before the transaction\n";
  }
  for (const std::string& x : r.notes) out += "  note: " + x + "\n";
  if (r.dry_run && r.result != "refused") out += "Nothing was changed (--dry-run).\n";
  if (r.result == "rolled-back") {
    out += st.green("rolled back") + ": the state before transaction " + r.transaction +
           " is restored.\n";
  } else if (r.result == "rollback-failed") {
    out += st.severity(Severity::error, "ROLLBACK INCOMPLETE") + ": these are NOT as before:\n";
    for (const std::string& l : r.left) out += "  " + l + "\n";
  }
  return out;
}

std::string render_history(const std::vector<Journal::Item>& items, OutputFormat format,
                           const Style& st) {
  if (format == OutputFormat::json) {
    Json j;
    j["schema"] = "tcptune.history/1";
    Json list = Json::array();
    for (const Journal::Item& it : items) {
      Json o;
      o["id"] = it.id;
      o["file"] = it.file;
      if (!it.entry) {
        o["state"] = "corrupt";
        o["error"] = it.error;
        list.push_back(o);
        continue;
      }
      const JournalEntry& e = *it.entry;
      o["state"] = std::string(to_string(e.state));
      o["profile"] = e.profile;
      o["mode"] = e.mode;
      o["started"] = e.started;
      o["finished"] = e.finished.empty() ? Json(nullptr) : Json(e.finished);
      o["netns"] = e.netns.empty() ? Json(nullptr) : Json(e.netns);
      o["fragment"] = e.fragment ? Json(e.fragment->path) : Json(nullptr);
      Json keys = Json::array();
      for (const JournalKey& k : e.keys)
        keys.push_back({{"key", k.key},
                        {"before", k.before ? Json(*k.before) : Json(nullptr)},
                        {"target", k.target}});
      o["keys"] = keys;
      o["errors"] = e.errors;
      o["left"] = e.left;
      o["notes"] = e.notes;
      list.push_back(o);
    }
    j["transactions"] = list;
    return dump_json(j);
  }
  if (items.empty()) return "no transactions\n";
  std::string out;
  for (const Journal::Item& it : items) {
    if (!it.entry) {
      out +=
          st.bold(it.id) + "  " + st.severity(Severity::error, "corrupt") + ": " + it.error + "\n";
      continue;
    }
    const JournalEntry& e = *it.entry;
    out += st.bold(e.id) + "  " + std::string(to_string(e.state)) + "  profile " + e.profile +
           "  " + e.started + "  " + e.mode + (e.netns.empty() ? "" : " (netns " + e.netns + ")") +
           "\n";
    for (const JournalKey& k : e.keys)
      out += "    " + k.key + ": " + k.before.value_or("(absent)") + " -> " + k.target + "\n";
    if (e.fragment && e.fragment->written)
      out += "    fragment " + e.fragment->path +
             (e.fragment->previous ? " (replaced a previous one)" : " (new)") + "\n";
    for (const JournalFileEdit& fe : e.edits)
      out += "    " +
             (fe.kind == "mask" ? "mask " + fe.path + " (masks " + fe.masks + ")"
                                : "edited " + fe.path) +
             ": " + std::to_string(fe.disabled.size()) + " line(s) disabled\n";
    for (const std::string& x : e.errors) out += "    error: " + x + "\n";
    for (const std::string& x : e.left) out += "    not restored: " + x + "\n";
    for (const std::string& x : e.notes) out += "    note: " + x + "\n";
  }
  return out;
}

}  // namespace tcptune
