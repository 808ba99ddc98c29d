#pragma once
/// Output of `tcptune check`: text (summary, findings by severity, the diff), JSON
/// (tcptune.check/1) and Prometheus exposition.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "census/census.hpp"
#include "core/finding.hpp"
#include "engine/facts.hpp"
#include "engine/profiles.hpp"
#include "render/findings_render.hpp"
#include "render/lint_render.hpp"
#include "render/style.hpp"

namespace tcptune {

struct CheckReport {
  std::string version;
  std::string kernel_release;  ///< raw string ("" when unknown)
  std::string kernel_version;  ///< X.Y.Z
  std::string kernel_source;   ///< "live", "option", "unknown"
  std::optional<bool> initial_netns;
  std::string netns;           ///< --netns value
  std::string profile;         ///< resolved name
  std::string profile_source;  ///< "option" | "detected"
  std::string profile_reason;
  std::vector<std::string> profile_chain;
  const CensusReport* census = nullptr;  ///< null with --no-sockets
  std::map<std::string, FactValue> metrics;
  std::vector<Finding> findings;
  Plan plan;
  std::string semantics;
  int exit_code = 0;
  bool quiet = false;                    ///< -q: text output leaves info findings out
  std::string proc_dir = "/proc";        ///< /proc on this machine (DIR/proc under --root), for gcc
  const CheckCatalog* checks = nullptr;  ///< titles for the text footer (may be null)
};

/// The diff lines of a plan ("- key = current" / "+ key = target", persisted, why).
std::string changes_text(const std::vector<Change>& changes, const Style& st);

/// One change as JSON (check and apply share it).
Json change_json(const Change& c);

std::string render_check(const CheckReport& r, OutputFormat format, const Style& style);

}  // namespace tcptune
