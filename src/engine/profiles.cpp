#include "engine/profiles.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/text_util.hpp"

namespace tcptune {

std::optional<TargetOp> parse_target_op(std::string_view t) {
  if (t == "=") return TargetOp::eq;
  if (t == ">=") return TargetOp::ge;
  if (t == "<=") return TargetOp::le;
  if (t == "absent") return TargetOp::absent;
  return std::nullopt;
}

std::string_view to_string(TargetOp op) {
  switch (op) {
    case TargetOp::eq:
      return "=";
    case TargetOp::ge:
      return ">=";
    case TargetOp::le:
      return "<=";
    case TargetOp::absent:
      return "absent";
  }
  return "?";
}

bool KernelConstraint::matches(const KernelVersion& k) const {
  return compare_values(op, FactValue{k}, FactValue{version}) == Tri::yes;
}

namespace {

constexpr std::string_view k_skipped = "skipped: ";

// The first profile of each name, by name: the one resolve_profile() and `extends` refer to.
std::unordered_map<std::string_view, std::size_t> index_by_name(const std::vector<Profile>& ps) {
  std::unordered_map<std::string_view, std::size_t> index;
  index.reserve(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) index.emplace(ps[i].name, i);
  return index;
}

// The chain of `extends` from `name` until a profile repeats: "a -> b -> a".
std::string cycle_message(const std::string& name, const Profile& entry,
                          const std::vector<Profile>& profiles,
                          const std::unordered_map<std::string_view, std::size_t>& index) {
  std::vector<std::string> chain{name};
  std::unordered_set<std::string> seen{name};
  std::string at = name;
  while (true) {
    auto it = index.find(at);
    if (it == index.end() || profiles[it->second].extends.empty()) break;
    at = profiles[it->second].extends;
    chain.push_back(at);
    if (!seen.insert(at).second) break;
  }
  const bool own = chain.back() == name;
  return "profile '" + name + "' " + (own ? "extends itself" : "extends a cycle") + ": " +
         join(chain, " -> ") + " (" + entry.file + ")";
}

std::string unknown_parent_message(const Profile& q) {
  return "profile '" + q.name + "' (" + q.file + ":" + std::to_string(q.line) +
         ") extends unknown profile '" + q.extends + "'";
}

}  // namespace

Result<ResolvedProfile, std::string> resolve_profile(const std::string& name,
                                                     const std::vector<Profile>& profiles) {
  const auto index = index_by_name(profiles);
  auto find = [&](const std::string& n) -> const Profile* {
    auto it = index.find(n);
    return it == index.end() ? nullptr : &profiles[it->second];
  };
  const Profile* p = find(name);
  if (p == nullptr) {
    std::vector<std::string> names;
    for (const Profile& q : profiles) names.push_back(q.name);
    std::string msg = "unknown profile '" + name + "'";
    std::string near = did_you_mean(name, names);
    if (!near.empty()) msg += " (did you mean '" + near + "'?)";
    return msg + "; profiles: " + join(names, ", ");
  }
  ResolvedProfile r;
  r.name = p->name;
  r.summary = p->summary;
  std::vector<const Profile*> chain;
  std::unordered_set<const Profile*> seen;
  for (const Profile* q = p; q != nullptr;) {
    if (!seen.insert(q).second) return cycle_message(name, *q, profiles, index);
    chain.push_back(q);
    r.chain.push_back(q->name);
    if (q->extends.empty()) break;
    const Profile* parent = find(q->extends);
    if (parent == nullptr) return unknown_parent_message(*q);
    q = parent;
  }
  std::map<std::string, ProfileSetting> by_key;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    for (const ProfileSetting& s : (*it)->settings) by_key[s.key] = s;
  }
  for (auto& [k, s] : by_key) r.settings.push_back(s);
  return r;
}

std::vector<ChainError> check_profile_chains(const std::vector<Profile>& profiles) {
  const auto index = index_by_name(profiles);
  // Each profile is visited once: its verdict is that of its parent, decided first.
  enum class State { unvisited, on_path, ok, unknown_parent, in_cycle, leads_to_cycle };
  const std::size_t n = profiles.size();
  std::vector<State> state(n, State::unvisited);
  std::vector<std::size_t> culprit(n, 0);  // the profile with the bad `extends`, or the cycle entry
  std::vector<std::size_t> path;
  for (std::size_t start = 0; start < n; ++start) {
    path.clear();
    std::size_t i = start;
    // Walk up until a profile whose verdict is known (or a root, an unknown parent, a loop).
    while (state[i] == State::unvisited) {
      state[i] = State::on_path;
      path.push_back(i);
      const Profile& q = profiles[i];
      if (q.extends.empty()) {
        state[i] = State::ok;
        path.pop_back();
        break;
      }
      auto it = index.find(q.extends);
      if (it == index.end()) {
        state[i] = State::unknown_parent;
        culprit[i] = i;
        path.pop_back();
        break;
      }
      i = it->second;
    }
    if (state[i] == State::on_path) {
      // A loop: every profile on it from i on extends itself through itself.
      while (!path.empty()) {
        std::size_t j = path.back();
        path.pop_back();
        state[j] = State::in_cycle;
        culprit[j] = j;
        if (j == i) break;
      }
    }
    // The profiles that led here take the verdict of their parent.
    while (!path.empty()) {
      std::size_t j = path.back();
      path.pop_back();
      std::size_t parent = index.at(profiles[j].extends);
      switch (state[parent]) {
        case State::ok:
          state[j] = State::ok;
          break;
        case State::unknown_parent:
          state[j] = State::unknown_parent;
          culprit[j] = culprit[parent];
          break;
        case State::in_cycle:
          state[j] = State::leads_to_cycle;
          culprit[j] = parent;
          break;
        case State::leads_to_cycle:
          state[j] = State::leads_to_cycle;
          culprit[j] = culprit[parent];
          break;
        case State::unvisited:
        case State::on_path:
          break;  // not reached: the parent was decided above
      }
    }
  }
  std::vector<ChainError> errors;
  for (const Profile& p : profiles) {
    // Like resolve_profile(p.name): a later duplicate name stands for the first one.
    std::size_t i = index.at(p.name);
    switch (state[i]) {
      case State::unknown_parent:
        errors.push_back({&p, unknown_parent_message(profiles[culprit[i]])});
        break;
      case State::in_cycle:
      case State::leads_to_cycle:
        errors.push_back({&p, cycle_message(p.name, profiles[culprit[i]], profiles, index)});
        break;
      default:
        break;
    }
  }
  return errors;
}

Tri meets(const ProfileSetting& s, const std::optional<std::string>& value) {
  if (s.op == TargetOp::absent) return value ? Tri::no : Tri::yes;
  if (!value) return Tri::unknown;
  std::optional<FactValue> have = value_fact(*value, std::nullopt);
  std::optional<FactValue> want = value_fact(s.value, std::nullopt);
  if (!have || !want) return Tri::unknown;
  const auto* h = std::get_if<std::int64_t>(&*have);
  const auto* w = std::get_if<std::int64_t>(&*want);
  switch (s.op) {
    case TargetOp::eq:
      if (h != nullptr && w != nullptr) return *h == *w ? Tri::yes : Tri::no;
      return fact_text(*have) == fact_text(*want) ? Tri::yes : Tri::no;
    case TargetOp::ge:
    case TargetOp::le:
      if (h == nullptr || w == nullptr) return Tri::unknown;
      return (s.op == TargetOp::ge ? *h >= *w : *h <= *w) ? Tri::yes : Tri::no;
    case TargetOp::absent:
      break;
  }
  return Tri::unknown;
}

namespace {

std::optional<std::string> text_of(const FactSource& facts, FactKind kind,
                                   const std::string& path) {
  FactRef ref;
  ref.kind = kind;
  ref.path = path;
  std::optional<FactValue> v = facts.get(ref, "");
  if (!v) return std::nullopt;
  return fact_text(*v);
}

}  // namespace

std::string_view skipped_because(const PlanNote& n) {
  std::string_view m = n.message;
  if (m.substr(0, k_skipped.size()) == k_skipped) m.remove_prefix(k_skipped.size());
  return m;
}

Plan make_plan(const ResolvedProfile& profile, const FactSource& facts) {
  Plan plan;
  FactRef kref;
  kref.kind = FactKind::kernel;
  std::optional<FactValue> kv = facts.get(kref, "");
  const KernelVersion* kernel = kv ? std::get_if<KernelVersion>(&*kv) : nullptr;
  for (const ProfileSetting& s : profile.settings) {
    if (s.kernel) {
      if (kernel == nullptr) {
        plan.notes.push_back(
            {s.key,
             "skipped: the kernel version is unknown and the setting needs kernel " +
                 s.kernel->text,
             NoteReason::kernel_unknown});
        continue;
      }
      if (!s.kernel->matches(*kernel)) {
        plan.notes.push_back(
            {s.key, "skipped: needs kernel " + s.kernel->text + ", this is " + kernel->str(),
             NoteReason::kernel_mismatch});
        continue;
      }
    }
    std::optional<std::string> live = text_of(facts, FactKind::live, s.path);
    std::optional<std::string> persisted = text_of(facts, FactKind::persisted, s.path);
    if (!live && s.op != TargetOp::absent) {
      if (std::optional<std::string> err = facts.live_error(s.path)) {
        plan.notes.push_back({s.key, cat(k_skipped, "its live value cannot be read: ", *err),
                              NoteReason::key_unreadable});
      } else {
        plan.notes.push_back(
            {s.key, "skipped: the key does not exist on this kernel", NoteReason::key_absent});
      }
      continue;
    }
    Change c;
    c.key = s.key;
    c.path = s.path;
    c.op = s.op;
    c.current = live;
    c.persisted = persisted;
    c.reason = s.rationale;
    c.reference = s.reference;
    c.profile = s.profile;
    if (persisted) {
      if (auto at = facts.persisted_at(s.path))
        c.persisted_at = at->file + ":" + std::to_string(at->line);
    }
    if (s.op == TargetOp::absent) {
      // Not set in any sysctl.d file; live (where the key exists) back at the kernel default.
      c.persist = persisted.has_value();
      std::optional<std::string> def = text_of(facts, FactKind::default_, s.path);
      if (live && def) {
        ProfileSetting at_default = s;
        at_default.op = TargetOp::eq;
        at_default.value = *def;
        c.live = meets(at_default, live) == Tri::no;
        if (c.live) c.target = def;
      }
    } else {
      c.target = s.value;
      c.live = meets(s, live) == Tri::no;
      // At boot: the persisted value, or the kernel default when nothing persists the key.
      std::optional<std::string> boot =
          persisted ? persisted : text_of(facts, FactKind::default_, s.path);
      Tri boot_ok = meets(s, boot);
      c.persist = boot_ok == Tri::no || (boot_ok == Tri::unknown && c.live);
    }
    if (c.live || c.persist) plan.changes.push_back(std::move(c));
  }
  return plan;
}

}  // namespace tcptune
