#include "render/config_render.hpp"

#include <nlohmann/json.hpp>

#include "core/text_util.hpp"
#include "render/findings_render.hpp"

namespace tcptune {

namespace {

Json write_json(const BootWrite& w) {
  Json j;
  j["file"] = w.file;
  j["line"] = w.line;
  j["key"] = w.key;
  j["value"] = w.value;
  j["glob"] = w.glob;
  j["outcome"] = w.outcome;
  j["reason"] = w.reason.empty() ? Json(nullptr) : Json(w.reason);
  return j;
}

std::string at(const BootWrite& w) { return w.file + ":" + std::to_string(w.line); }

}  // namespace

std::string render_config(const BootModel& model, const ConfigMeta& meta, OutputFormat format,
                          const Style& style) {
  (void)style;
  if (format == OutputFormat::json) {
    Json j;
    j["schema"] = "tcptune.config/1";
    j["version"] = meta.version;
    j["semantics"] = std::string(to_string(model.semantics));
    j["kernel"] = meta.kernel_release.empty() ? Json(nullptr) : Json(meta.kernel_release);
    j["selectors"] = meta.selectors;
    j["exit_status"] = model.exit_status;
    // Both arrays written one element at a time: as a tree, the 200,000 lines of bench/lint's
    // files made about five times the memory of their 24 MB of text.
    j["keys"] = Json::array();
    j["notes"] = Json::array();
    return dump_json_streamed(
        j, {{"keys",
             [&](JsonArrayWriter& out) {
               for (const auto& entry : model.keys) {
                 const BootKey& k = entry.second;
                 Json o;
                 o["key"] = k.key;
                 o["path"] = k.path;
                 o["value"] = k.value ? Json(*k.value) : Json(nullptr);
                 o["before"] = k.before ? Json(*k.before) : Json(nullptr);
                 o["set_by"] = k.winner ? write_json(*k.winner) : Json(nullptr);
                 o["propagated_from"] =
                     k.propagated_from.empty() ? Json(nullptr) : Json(k.propagated_from);
                 Json sh = Json::array();
                 for (const BootWrite& w : k.shadowed) sh.push_back(write_json(w));
                 o["shadowed"] = std::move(sh);
                 o["shadowed_total"] = k.shadowed_total;
                 Json rf = Json::array();
                 for (const BootWrite& w : k.refused) rf.push_back(write_json(w));
                 o["refused"] = std::move(rf);
                 out.add(o);
               }
             }},
            {"notes", [&](JsonArrayWriter& out) {
               for (const Finding& f : model.notes) out.add(finding_json(f));
             }}});
  }
  std::string out;
  std::string prog = model.semantics == Semantics::systemd ? "systemd-sysctl" : "sysctl --system";
  out += "effective configuration at boot (" + prog + " semantics";
  if (!meta.kernel_release.empty()) out += ", kernel " + meta.kernel_release;
  out += ")\n";
  for (const auto& [path, k] : model.keys) {
    if (k.value) {
      out += k.key + " = " + *k.value;
      if (k.winner) {
        out += "  (" + at(*k.winner);
        if (k.winner->value != *k.value) out += ", written as '" + k.winner->value + "'";
        out += ")";
      } else if (!k.propagated_from.empty()) {
        out += "  (copied by the kernel from " + k.propagated_from + ")";
      }
      out += "\n";
    } else {
      out += k.key + " = " +
             (k.before ? *k.before + "  (the kernel's own value: no write changes it)"
                       : std::string("(no such key on this kernel)")) +
             "\n";
    }
    if (k.winner && !k.propagated_from.empty())
      out += "    then copied by the kernel from " + k.propagated_from + "\n";
    for (const BootWrite& w : k.shadowed) {
      out += "    " + std::string(w.outcome == "suppressed" ? "not written" : "shadowed") + ": '" +
             w.value + "' at " + at(w) + (w.reason.empty() ? "" : " (" + w.reason + ")") + "\n";
    }
    if (k.shadowed_total > k.shadowed.size())
      out += "    ... and " + std::to_string(k.shadowed_total - k.shadowed.size()) +
             " more shadowed or unwritten assignment(s)\n";
    for (const BootWrite& w : k.refused)
      out += "    refused: '" + w.value + "' at " + at(w) + " (" + w.reason + ")\n";
  }
  if (model.keys.empty()) out += "(no assignment)\n";
  for (const Finding& f : model.notes) {
    out += f.file;
    if (f.line > 0) out += cat(":", std::to_string(f.line));
    out += cat(": ", f.message, "\n");
  }
  out += prog + " would exit " + std::to_string(model.exit_status) + "\n";
  return out;
}

}  // namespace tcptune
