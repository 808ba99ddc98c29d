#pragma once
/// Profiles (profiles/*.toml, /etc/tcptune/profiles/*.toml): targets for sysctl keys with an
/// operator, an optional kernel constraint and a rationale; `extends` chains them. The plan is
/// the diff from what the host has (live, and persisted in sysctl.d) to what the profile wants.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/kernel_version.hpp"
#include "core/result.hpp"
#include "engine/facts.hpp"
#include "engine/rules.hpp"

namespace tcptune {

enum class TargetOp { eq, ge, le, absent };
std::optional<TargetOp> parse_target_op(std::string_view text);
std::string_view to_string(TargetOp op);

struct KernelConstraint {
  CompareOp op = CompareOp::ge;  ///< ==, !=, <, <=, >, >=
  KernelVersion version;
  std::string text;  ///< ">= 4.19"
  [[nodiscard]] bool matches(const KernelVersion& k) const;

  bool operator==(const KernelConstraint&) const = default;
};

struct ProfileSetting {
  std::string key;   ///< dotted
  std::string path;  ///< /proc/sys path
  TargetOp op = TargetOp::eq;
  std::string value;  ///< normalized ("" for absent)
  std::optional<KernelConstraint> kernel;
  std::string rationale;
  std::string reference;
  bool required = false;  ///< apply refuses when the key does not exist on this kernel
  std::string profile;    ///< the profile that sets it
  std::string source;     ///< "file:line"

  bool operator==(const ProfileSetting&) const = default;
};

struct Profile {
  std::string name;
  std::string summary;
  std::string extends;  ///< "" for a root profile
  std::string origin;   ///< "shipped" | "user"
  std::string file;
  int line = 0;
  std::vector<ProfileSetting> settings;

  bool operator==(const Profile&) const = default;
};

struct ResolvedProfile {
  std::string name;
  std::string summary;
  std::vector<std::string> chain;        ///< name, parent, grandparent...
  std::vector<ProfileSetting> settings;  ///< one per key, in key order; children override
};

/// Resolves `name` through `extends`. Error text for an unknown name, an unknown parent or a
/// cycle. Linear in the number of profiles and their settings.
Result<ResolvedProfile, std::string> resolve_profile(const std::string& name,
                                                     const std::vector<Profile>& profiles);

/// A profile whose `extends` chain does not resolve, with the text resolve_profile() gives.
struct ChainError {
  const Profile* profile = nullptr;
  std::string message;
};

/// Checks every profile's `extends` chain at once, in time linear in the number of profiles
/// (each profile's verdict is its parent's, decided once): one error per profile whose chain
/// reaches an unknown profile or a loop, in the order of `profiles`.
std::vector<ChainError> check_profile_chains(const std::vector<Profile>& profiles);

/// A key whose live or persisted value does not meet the profile's target.
struct Change {
  std::string key;
  std::string path;
  TargetOp op = TargetOp::eq;
  std::optional<std::string> current;    ///< live value; nullopt when the key is absent
  std::optional<std::string> target;     ///< the value to write; nullopt: remove (absent)
  std::optional<std::string> persisted;  ///< what sysctl.d applies at boot
  std::string persisted_at;              ///< "file:line" of that assignment
  bool live = false;                     ///< the live value must change
  bool persist = false;                  ///< the boot-time value must change
  std::string reason;
  std::string reference;
  std::string profile;
};

/// Why a setting was skipped or is worth a note. Code decides on the reason, never on the text.
enum class NoteReason {
  other,
  kernel_unknown,   ///< the setting has a kernel constraint and the kernel version is unknown
  kernel_mismatch,  ///< the kernel constraint does not match
  key_absent,       ///< the key does not exist on this kernel
  key_unreadable,   ///< the key's live value could not be read (apply refuses, check exits 3)
  not_per_netns,    ///< apply --netns: the key is not private to a network namespace
  set_elsewhere,    ///< another sysctl.d file sets a key the profile wants absent
  leaves_fragment,  ///< the key leaves the fragment
  fragment_value,   ///< the fragment's value for the key changes
};

struct PlanNote {
  std::string key;
  std::string message;
  NoteReason reason = NoteReason::other;
};

/// Why a setting was skipped, as apply's refusal and check's error line say it: the note's
/// message without its "skipped: " lead-in.
std::string_view skipped_because(const PlanNote& n);

struct Plan {
  std::vector<Change> changes;
  std::vector<PlanNote> notes;  ///< settings skipped (kernel constraint, key not on this kernel)
};

/// Whether a value meets a setting's target: unknown when it cannot be compared.
Tri meets(const ProfileSetting& s, const std::optional<std::string>& value);

/// The diff. `facts` gives the live, persisted and default values and the kernel.
Plan make_plan(const ResolvedProfile& profile, const FactSource& facts);

}  // namespace tcptune
