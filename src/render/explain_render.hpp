#pragma once
/// `tcptune rules` and `tcptune profiles` as JSON (schemas tcptune.rules/1, tcptune.profiles/1,
/// tcptune.profile/1). The text forms stay with the commands.

#include <string>
#include <vector>

#include "core/catalog.hpp"
#include "engine/profiles.hpp"

namespace tcptune {

/// Every finding code: code, name, severity, title (tcptune.rules/1).
std::string render_rules_json(const CheckCatalog& checks);

/// The profiles, shipped and the user's, one line each (tcptune.profiles/1).
std::string render_profiles_json(const std::vector<Profile>& profiles);

/// One resolved profile: its chain and each setting with where it comes from
/// (tcptune.profile/1).
std::string render_profile_json(const ResolvedProfile& p);

}  // namespace tcptune
