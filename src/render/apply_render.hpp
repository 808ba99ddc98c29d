#pragma once
/// Output of `tcptune apply` (text, JSON tcptune.apply/1), `tcptune rollback` and
/// `tcptune history` (text, JSON tcptune.history/1).

#include <optional>
#include <string>
#include <vector>

#include "apply/file_fix.hpp"
#include "apply/fragment.hpp"
#include "apply/journal.hpp"
#include "apply/plan.hpp"
#include "apply/transaction.hpp"
#include "engine/profiles.hpp"
#include "render/lint_render.hpp"
#include "render/style.hpp"

namespace tcptune {

struct ApplyReport {
  std::string version;
  std::string profile;
  std::vector<std::string> profile_chain;
  std::string mode;  ///< "live+persist" | "live-only" | "persist-only"
  std::string netns;
  /// apply ran inside a non-initial network namespace without --netns or --persist: `netns` is
  /// its "dev:ino", and only its live values are changed.
  bool implicit_netns = false;
  bool dry_run = false;
  std::string transaction;  ///< "" when none was started
  /// nothing-to-do | dry-run | committed | rolled-back | rollback-failed | refused
  std::string result;
  std::vector<Change> changes;
  std::vector<PlanNote> notes;
  std::string fragment_path;                    ///< in-root; "" when no fragment is involved
  std::string fragment_shown;                   ///< host path
  std::optional<std::string> fragment_text;     ///< what is (or would be) written
  std::optional<std::string> fragment_current;  ///< its content now; nullopt: no file
  bool fragment_write = false;                  ///< the fragment is (or would be) written
  std::vector<Shadow> shadows;
  bool shadows_allowed = false;
  bool fix_files = false;               ///< --fix-files
  std::vector<PlannedEdit> file_edits;  ///< the files it edits (or would) and the masks
  std::vector<std::string> refusals;    ///< why apply did not start
  std::vector<std::string> written;     ///< keys written and verified
  std::vector<std::string> errors;
  std::vector<std::string> left;
  std::vector<PodSysctl> kubernetes;
  int exit_code = 0;
};

std::string render_apply(const ApplyReport& r, OutputFormat format, const Style& st);

struct RollbackReport {
  std::string transaction;
  std::string profile;
  std::string result;  ///< rolled-back | rollback-failed | refused
  bool forced = false;
  std::vector<std::string> drift;
  std::vector<std::string> restored;
  std::vector<std::string> left;
  std::vector<std::string> notes;  ///< e.g. the transaction's network namespace is gone
  bool dry_run = false;            ///< --dry-run: `preview` is what it would restore
  RollbackPreview preview;
  std::string fragment_shown;  ///< host path of preview.fragment_path
  int exit_code = 0;
};

std::string render_rollback(const RollbackReport& r, OutputFormat format, const Style& st);

std::string render_history(const std::vector<Journal::Item>& items, OutputFormat format,
                           const Style& st);

}  // namespace tcptune
