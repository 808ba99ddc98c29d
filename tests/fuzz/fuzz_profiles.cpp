// libFuzzer target: the profile loader (load_profile in src/engine/rule_loader.hpp), `extends`
// resolution (resolve_profile in src/engine/profiles.hpp, cycles included) and the plan
// (make_plan) against the facts of a captured host.
//
// Input: up to eight profile documents (TOML, the schema of profiles/README.md) separated by
// lines starting with `%%`; the rest of a separator line is the origin of the next document
// ("user", anything else: "shipped"). The first document is shipped.
//
// Invariants: the loader never throws; errors are TT0001 findings in their file; a loaded
// profile has a valid name not used before and settings on catalog keys, each key once.
// Resolution agrees with a walk of the `extends` links: it fails exactly for unknown names,
// unknown parents and cycles; on success the chain starts at the name, has no repeats, and each
// key's setting comes from the nearest profile in the chain that sets it, in key order. The
// plan only changes keys the profile sets, and only when live or boot value must change.

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/profiles.hpp"
#include "engine/rule_loader.hpp"
#include "fuzz_support.hpp"

using namespace tcptune;

namespace {

// A Debian 12 host (tests/fixtures/debian12) with a few persisted values.
const fuzz::TextFacts& host() {
  static const fuzz::TextFacts f = [] {
    std::string text = "kernel = 6.1.0-28-amd64\n";
    for (const auto& [path, value] : fuzz::fixture_proc_sys("debian12").keys) {
      text += "live." + path + " = " + std::string(trim(value)) + "\n";
    }
    text +=
        "persisted.net.ipv4.tcp_tw_reuse = 1\n"
        "persisted.net.core.somaxconn = 1024\n"
        "persisted.net.ipv4.tcp_fin_timeout = 15\n";
    return fuzz::TextFacts(text, fuzz::shipped_keys());
  }();
  return f;
}

const Profile* find(const std::vector<Profile>& ps, const std::string& name) {
  for (const Profile& p : ps) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

void check_resolution(const std::string& name, const std::vector<Profile>& profiles) {
  // The expected outcome, by walking the links.
  std::vector<const Profile*> chain;
  std::set<std::string> seen;
  bool expect_ok = true;
  for (const Profile* p = find(profiles, name); expect_ok;) {
    if (p == nullptr || !seen.insert(p->name).second) {
      expect_ok = false;
      break;
    }
    chain.push_back(p);
    if (p->extends.empty()) break;
    p = find(profiles, p->extends);
  }
  std::optional<Result<ResolvedProfile, std::string>> got;
  fuzz::no_throw("resolve_profile", [&] { got.emplace(resolve_profile(name, profiles)); });
  TCPTUNE_FUZZ_CHECK(got.has_value(), "resolve_profile('" + name + "') threw");
  const ResolvedProfile* r = got->ok() ? &got->value() : nullptr;
  TCPTUNE_FUZZ_CHECK((r != nullptr) == expect_ok,
                     "resolve_profile('" + name +
                         "'): " + (r != nullptr ? std::string("resolved") : got->error()));
  if (r == nullptr) {
    TCPTUNE_FUZZ_CHECK(!got->error().empty(), "empty error for '" + name + "'");
    return;
  }
  TCPTUNE_FUZZ_CHECK(r->name == name && r->chain.size() == chain.size(), name);
  for (std::size_t i = 0; i < chain.size(); ++i) {
    TCPTUNE_FUZZ_CHECK(r->chain[i] == chain[i]->name, name + ": chain");
  }
  std::map<std::string, const ProfileSetting*> expected;
  for (const Profile* p : chain) {
    for (const ProfileSetting& s : p->settings) expected.emplace(s.key, &s);  // nearest wins
  }
  TCPTUNE_FUZZ_CHECK(r->settings.size() == expected.size(), name + ": settings");
  auto it = expected.begin();
  for (const ProfileSetting& s : r->settings) {
    TCPTUNE_FUZZ_CHECK(s.key == it->first && s.profile == it->second->profile &&
                           s.value == it->second->value && s.op == it->second->op &&
                           s.source == it->second->source,
                       name + ": setting " + s.key + " from " + s.profile);
    ++it;
  }
  Plan plan;
  fuzz::no_throw("make_plan", [&] { plan = make_plan(*r, host()); });
  TCPTUNE_FUZZ_CHECK(plan.changes.size() + plan.notes.size() <= r->settings.size(), name);
  for (const Change& c : plan.changes) {
    TCPTUNE_FUZZ_CHECK(expected.count(c.key) != 0 && (c.live || c.persist),
                       name + ": change " + c.key);
    TCPTUNE_FUZZ_CHECK(!c.live || c.target.has_value(),
                       name + ": a live change without a target: " + c.key);
  }
  for (const PlanNote& n : plan.notes) {
    TCPTUNE_FUZZ_CHECK(expected.count(n.key) != 0, name + ": note " + n.key);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)host();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parts = fuzz::split_parts(fuzz::as_text(data, size), 8);
  std::vector<Profile> profiles;
  std::vector<Finding> errors;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string file = "profiles/fuzz" + std::to_string(i) + ".toml";
    const std::string origin = parts[i].second == "user" ? "user" : "shipped";
    const std::size_t before_profiles = profiles.size();
    const std::size_t before_errors = errors.size();
    fuzz::no_throw("load_profile", [&] {
      append(errors, load_profile(parts[i].first, file, origin, fuzz::shipped_keys(), profiles));
    });
    TCPTUNE_FUZZ_CHECK(
        profiles.size() - before_profiles == (errors.size() == before_errors ? 1 : 0),
        file + ": a profile is loaded exactly when it has no error");
    for (std::size_t e = before_errors; e < errors.size(); ++e) {
      TCPTUNE_FUZZ_CHECK(errors[e].code == "TT0001" && errors[e].file == file &&
                             errors[e].invalid_input && !errors[e].message.empty(),
                         errors[e].file + ": " + errors[e].message);
    }
  }
  std::set<std::string> names;
  for (const Profile& p : profiles) {
    TCPTUNE_FUZZ_CHECK(
        !p.name.empty() &&
            p.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos,
        "profile name '" + p.name + "'");
    TCPTUNE_FUZZ_CHECK(names.insert(p.name).second, "profile '" + p.name + "' loaded twice");
    std::set<std::string> keys;
    for (const ProfileSetting& s : p.settings) {
      TCPTUNE_FUZZ_CHECK(
          fuzz::shipped_keys().find(s.path) != nullptr && path_to_key(s.path) == s.key,
          p.name + ": key '" + s.key + "'");
      TCPTUNE_FUZZ_CHECK(keys.insert(s.key).second, p.name + ": '" + s.key + "' twice");
      TCPTUNE_FUZZ_CHECK(s.op != TargetOp::absent || s.value.empty(),
                         p.name + ": 'absent' with a value");
      TCPTUNE_FUZZ_CHECK(s.profile == p.name, p.name + ": setting of " + s.profile);
    }
  }
  for (const Profile& p : profiles) check_resolution(p.name, profiles);
  for (const Profile& p : profiles) {
    if (!p.extends.empty()) check_resolution(p.extends, profiles);
  }
  check_resolution("no-such-profile", profiles);
  return 0;
}
