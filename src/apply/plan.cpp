#include "apply/plan.hpp"

#include <algorithm>
#include <set>

#include "core/text_util.hpp"

namespace tcptune {

namespace {

// Kubernetes' safe sysctls (kubelet safe_sysctls.go): since which release and the kernel the
// kubelet needs for it to count as safe.
struct SafeSysctl {
  const char* key;
  const char* since;
  const char* kernel;
};
constexpr SafeSysctl k_safe_sysctls[] = {
    {"kernel.shm_rmid_forced", "the first release", ""},
    {"net.ipv4.ip_local_port_range", "the first release", ""},
    {"net.ipv4.tcp_syncookies", "the first release", "4.6"},
    {"net.ipv4.ping_group_range", "1.18", ""},
    {"net.ipv4.ip_unprivileged_port_start", "1.22", ""},
    {"net.ipv4.ip_local_reserved_ports", "1.27", "3.16"},
    {"net.ipv4.tcp_keepalive_time", "1.29", "4.5"},
    {"net.ipv4.tcp_fin_timeout", "1.29", "4.6"},
    {"net.ipv4.tcp_keepalive_intvl", "1.29", "4.5"},
    {"net.ipv4.tcp_keepalive_probes", "1.29", "4.5"},
    {"net.ipv4.tcp_rmem", "1.32", "4.15"},
    {"net.ipv4.tcp_wmem", "1.32", "4.15"},
};

Plan profile_diff(const PlanInput& in, const std::map<std::string, PersistedValue>& persisted) {
  HostFactsInput hf;
  hf.keys = in.keys;
  hf.live = in.live;
  hf.kernel = in.kernel;
  hf.persisted = persisted;
  HostFacts facts(std::move(hf));
  return make_plan(*in.profile, facts);
}

}  // namespace

std::string_view to_string(ApplyMode m) {
  switch (m) {
    case ApplyMode::live_only:
      return "live-only";
    case ApplyMode::persist_only:
      return "persist-only";
    case ApplyMode::live_and_persist:
      break;
  }
  return "live+persist";
}

PodSysctl pod_sysctl(const std::string& key, const std::string& value) {
  PodSysctl p;
  p.key = key;
  p.value = value;
  for (const SafeSysctl& s : k_safe_sysctls) {
    if (key == s.key) {
      p.safe = true;
      p.note = std::string("since Kubernetes ") + s.since +
               (*s.kernel != '\0' ? std::string(" (node kernel ") + s.kernel + "+)" : "");
      return p;
    }
  }
  p.note = "needs kubelet --allowed-unsafe-sysctls=" + key;
  return p;
}

ConfigSet without_fragment(const ConfigSet& set, const std::string& dir, const std::string& name) {
  ConfigSet without = set;
  std::erase_if(without.files, [&](const ConfigFile& f) { return f.dir == dir && f.name == name; });
  return without;
}

ApplyPlan plan_apply(const PlanInput& in) {
  ApplyPlan out;
  const ResolvedProfile& profile = *in.profile;
  const bool live_only = in.mode == ApplyMode::live_only;
  const bool persist_only = in.mode == ApplyMode::persist_only;
  const bool netns = !in.netns.empty();
  const PathParts frag = split_in_root(in.fragment_path);
  // A fragment that cannot be used is refused below; its content is not relied on.
  const bool fragment_usable =
      live_only || (!in.fragment_problem && in.fragment_name_clashes.empty());
  const std::optional<std::string> frag_bytes =
      fragment_usable ? in.fragment_bytes : std::optional<std::string>();

  // The persisted picture twice: with the existing fragment (what the host boots with now,
  // shown in the diff) and without it (what the new fragment must hold).
  Plan full = profile_diff(in, in.persisted_now);
  Plan bare = profile_diff(in, frag_bytes ? in.persisted_without_fragment : in.persisted_now);
  const std::map<std::string, PersistedValue>& persisted =
      frag_bytes ? in.persisted_without_fragment : in.persisted_now;

  // Required keys this kernel lacks: decided on the note's reason, never on its text.
  for (const PlanNote& n : full.notes) {
    if (n.reason == NoteReason::key_unreadable) {
      out.refusals.push_back(cat(n.key, ": ", skipped_because(n)));
      continue;
    }
    if (n.reason != NoteReason::key_absent) continue;
    for (const ProfileSetting& s : profile.settings) {
      if (s.key == n.key && s.required)
        out.refusals.push_back("profile " + profile.name + " requires " + s.key + " (" + s.source +
                               "), which this kernel does not have");
    }
  }
  out.notes = full.notes;
  for (const Change& c : full.changes) {
    bool show = (c.live && !persist_only) || (c.persist && !live_only);
    if (netns && c.live) {
      const KeyInfo* info = in.keys != nullptr ? in.keys->find(c.path) : nullptr;
      if (info == nullptr || info->netns != NetnsScope::per_namespace) {
        std::string scope = info == nullptr ? "unknown"
                            : info->netns   ? std::string(to_string(*info->netns))
                                            : "";
        out.notes.push_back({c.key,
                             "skipped: not a per-network-namespace key here (" + scope +
                                 "); writing it would change the whole host",
                             NoteReason::not_per_netns});
        continue;
      }
    }
    if (!show) continue;
    Change shown_change = c;
    if (live_only) shown_change.persist = false;
    if (persist_only) shown_change.live = false;
    out.changes.push_back(shown_change);
    if (c.live && !persist_only && c.target) {
      JournalKey jk;
      jk.key = c.key;
      jk.path = c.path;
      jk.before = c.current;
      if (in.live != nullptr) {
        if (KeyRead raw = in.live->read(c.path); raw.status == KeyStatus::value)
          jk.before_raw = raw.raw;
      }
      jk.target = *c.target;
      out.writes.push_back(std::move(jk));
      if (netns) out.kubernetes.push_back(pod_sysctl(c.key, *c.target));
    }
  }
  for (const Change& c : bare.changes) {
    if (!live_only && c.persist && c.op == TargetOp::absent && c.persisted) {
      out.notes.push_back(
          {c.key,
           "set at " + c.persisted_at + "; tcptune does not edit other files: remove the line",
           NoteReason::set_elsewhere});
    }
  }

  // The fragment: every setting whose boot-time value misses the target without it. A key
  // whose boot value is unknown without the fragment (no other file sets it, and its default
  // depends on the machine) stays in it once there: the live value meeting the target is no
  // sign that the boot value will.
  if (!live_only) {
    std::map<std::string, std::string> existing;
    if (frag_bytes) existing = fragment_body(*frag_bytes);
    std::set<std::string> skipped;
    for (const PlanNote& n : bare.notes) skipped.insert(n.key);
    for (const ProfileSetting& s : profile.settings) {
      if (s.op == TargetOp::absent) continue;
      auto c = std::find_if(bare.changes.begin(), bare.changes.end(),
                            [&](const Change& x) { return x.path == s.path; });
      bool include = c != bare.changes.end() && c->persist && c->target;
      if (!include && existing.count(s.path) != 0 && persisted.count(s.path) == 0 &&
          skipped.count(s.key) == 0) {
        const KeyInfo* info = in.keys != nullptr ? in.keys->find(s.path) : nullptr;
        include = info == nullptr || !info->default_for(in.kernel);
      }
      if (!include) continue;
      FragmentLine l;
      l.key = s.key;
      l.path = s.path;
      // A value the fragment already holds that meets the target stays (re-applying must not
      // lower a stricter value an earlier profile wrote).
      auto old = existing.find(s.path);
      if (old != existing.end() && meets(s, old->second) == Tri::yes) {
        l.value = old->second;
      } else {
        l.value = c != bare.changes.end() && c->target ? *c->target : s.value;
      }
      l.rationale = s.rationale;
      l.reference = s.reference;
      l.profile = s.profile;
      out.lines.push_back(std::move(l));
    }
  }
  out.fragment_text = fragment_text(in.header, out.lines);
  bool body_differs = !frag_bytes ? !out.lines.empty()
                                  : fragment_body(*frag_bytes) != fragment_body(out.fragment_text);
  out.fragment_write = !live_only && body_differs;
  // A change the existing fragment already persists is not pending for the boot value.
  out.pending = !out.writes.empty() || out.fragment_write;
  if (!out.fragment_write && !persist_only) {
    // Only live changes remain: do not list boot-time-only changes the fragment already holds.
    std::erase_if(out.changes, [](const Change& c) { return !c.live; });
    for (Change& c : out.changes) c.persist = false;
  }
  if (out.fragment_write && frag_bytes) {
    std::map<std::string, std::string> old_body = fragment_body(*frag_bytes);
    std::map<std::string, std::string> new_body = fragment_body(out.fragment_text);
    for (const auto& [path, value] : old_body) {
      std::string key = path;
      std::replace(key.begin(), key.end(), '/', '.');
      auto nv = new_body.find(path);
      if (nv == new_body.end()) {
        out.notes.push_back({key,
                             "leaves the fragment (was " + value + "): profile " + profile.name +
                                 " does not need it at boot; the live value is not changed",
                             NoteReason::leaves_fragment});
      } else if (nv->second != value) {
        out.notes.push_back(
            {key, "fragment value " + value + " -> " + nv->second, NoteReason::fragment_value});
      }
    }
  }
  if (!live_only && !out.lines.empty()) {
    std::vector<std::string> paths;
    for (const FragmentLine& l : out.lines) paths.push_back(l.path);
    for (const ConfigSet* s : in.boot_sets) {
      std::vector<Shadow> sh = shadowing(*s, frag.dir, frag.name, paths);
      out.shadows.insert(out.shadows.end(), sh.begin(), sh.end());
    }
  }
  if (!live_only) {
    if (in.fragment_problem) {
      out.refusals.push_back(*in.fragment_problem);
    } else if (!in.fragment_name_clashes.empty()) {
      out.refusals.push_back("--fragment " + in.fragment_path + " has the name of " +
                             in.fragment_name_clashes.front() +
                             ": one of the two would replace the other at boot; choose another "
                             "name");
    }
  }
  if (!out.shadows.empty() && in.allow_shadowed == AllowShadowed::no)
    out.refusals.push_back(k_shadow_refusal);
  // What cannot be read cannot be shown not to shadow the fragment.
  if (!live_only && !out.lines.empty() && in.allow_shadowed == AllowShadowed::no) {
    for (const ConfigSet* s : in.boot_sets) {
      for (const std::string& why : unjudged_later_files(*s, frag.dir, frag.name)) {
        std::string r = why + ": it may set a key of the fragment; fix it (tcptune lint) or use " +
                        "--allow-shadowed";
        if (std::find(out.refusals.begin(), out.refusals.end(), r) == out.refusals.end())
          out.refusals.push_back(std::move(r));
      }
    }
  }
  return out;
}

}  // namespace tcptune
