#pragma once
/// The apply plan (DESIGN.md "The transaction", step 1): pure, over the profile, the host's
/// facts, the sysctl.d set, the state of the fragment file and the mode. It decides which live
/// values to write (with their before-values for the journal), what the fragment holds, the
/// notes shown to the user and the refusals that stop the apply. No I/O: the caller reads the
/// host, takes the lock, calls plan_apply(), then renders and runs the transaction.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "apply/fragment.hpp"
#include "apply/journal.hpp"
#include "config/sysctl_d_set.hpp"
#include "core/catalog.hpp"
#include "core/kernel_version.hpp"
#include "core/key_source.hpp"
#include "engine/host_facts.hpp"
#include "engine/profiles.hpp"

namespace tcptune {

enum class ApplyMode { live_and_persist, live_only, persist_only };
std::string_view to_string(ApplyMode m);  ///< "live+persist" | "live-only" | "persist-only"

/// A pod sysctl for the Kubernetes snippet (--netns).
struct PodSysctl {
  std::string key;
  std::string value;
  bool safe = false;
  std::string note;  ///< "since Kubernetes 1.29 (node kernel 4.6+)" or the kubelet flag
};

/// Kubernetes' safe sysctls (kubelet safe_sysctls.go), with since when and the kernel the
/// kubelet needs for a key to count as safe.
PodSysctl pod_sysctl(const std::string& key, const std::string& value);

/// The refusal plan_apply() adds when the fragment is shadowed (apply --fix-files takes it
/// back when every shadow is fixed or harmless).
inline constexpr const char* k_shadow_refusal =
    "the fragment would not win at boot: a later file sets the same key (listed above)";

/// Shadowing is refused unless allowed.
enum class AllowShadowed { no, yes };

struct PlanInput {
  const ResolvedProfile* profile = nullptr;
  const Catalog* keys = nullptr;
  const KeySource* live = nullptr;  ///< /proc/sys (of the target namespace)
  std::optional<KernelVersion> kernel;
  ApplyMode mode = ApplyMode::live_and_persist;
  std::string netns;  ///< "" for the namespace tcptune runs in; else live-only, per-netns keys
  AllowShadowed allow_shadowed = AllowShadowed::no;
  /// The sysctl.d sets of both semantics, systemd first, with the existing fragment in them:
  /// a later assignment in either would win over the fragment at boot.
  std::vector<const ConfigSet*> boot_sets;
  /// What each key is at boot (persisted_values()) with the existing fragment, and without it.
  /// Both empty under --netns (sysctl.d is host-wide).
  std::map<std::string, PersistedValue> persisted_now;
  std::map<std::string, PersistedValue> persisted_without_fragment;

  std::string fragment_path;   ///< in-root
  std::string fragment_shown;  ///< host path
  /// The fragment file now: absent, or its bytes. `fragment_problem` when it cannot be used
  /// (a link, not tcptune's, unreadable): a refusal.
  std::optional<std::string> fragment_bytes;
  std::optional<std::string> fragment_problem;
  /// Host paths of same-name files in the other sysctl.d directories (either semantics).
  std::vector<std::string> fragment_name_clashes;
  FragmentHeader header;  ///< version, profile, transaction id, time for the fragment text
};

struct ApplyPlan {
  std::vector<Change> changes;  ///< as shown (live/persist flags reduced to the mode)
  std::vector<PlanNote> notes;
  std::vector<JournalKey> writes;  ///< live writes in order, with before-values
  std::vector<FragmentLine> lines;
  std::string fragment_text;
  bool fragment_write = false;  ///< the fragment's content changes
  bool pending = false;         ///< anything to do
  std::vector<Shadow> shadows;
  std::vector<std::string> refusals;  ///< non-empty: apply must not start
  std::vector<PodSysctl> kubernetes;  ///< --netns only
};

/// The set without the fragment file `dir`/`name` (what the new fragment must make up for).
ConfigSet without_fragment(const ConfigSet& set, const std::string& dir, const std::string& name);

/// The plan. Throws nothing; all input problems become refusals.
ApplyPlan plan_apply(const PlanInput& in);

}  // namespace tcptune
