#include "apply/side_effects.hpp"

#include <algorithm>
#include <set>

#include "apply/transaction.hpp"
#include "core/sysctl_key.hpp"

namespace tcptune {

namespace {

// Interfaces under net/ipvN/conf, "all" and "default" apart.
std::vector<std::string> interfaces(const KeySource& live, std::string_view family) {
  std::vector<std::string> out;
  for (std::string& name : live.list(std::string(family) + "/conf")) {
    if (name != "all" && name != "default") out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

void add_per_interface(std::vector<std::string>& out, const KeySource& live,
                       std::string_view family, std::string_view name) {
  for (const std::string& dev : interfaces(live, family))
    out.push_back(std::string(family) + "/conf/" + dev + "/" + std::string(name));
}

bool primary(const JournalEntry& e, std::string_view path) {
  return std::any_of(e.keys.begin(), e.keys.end(),
                     [&](const JournalKey& k) { return k.path == path; });
}

}  // namespace

std::vector<std::string> side_effect_paths(std::string_view path, const KeySource& live) {
  std::vector<std::string> out;
  constexpr std::string_view v4dflt = "net/ipv4/conf/default/";
  constexpr std::string_view v6all = "net/ipv6/conf/all/";
  if (path == "net/ipv4/ip_forward" || path == "net/ipv4/conf/all/forwarding") {
    out = {"net/ipv4/ip_forward", "net/ipv4/conf/all/forwarding",
           "net/ipv4/conf/all/accept_redirects", "net/ipv4/conf/default/forwarding"};
    add_per_interface(out, live, "net/ipv4", "forwarding");
  } else if (path.size() > v4dflt.size() && path.substr(0, v4dflt.size()) == v4dflt &&
             path.find('/', v4dflt.size()) == std::string_view::npos &&
             path.substr(v4dflt.size()) != "forwarding") {
    add_per_interface(out, live, "net/ipv4", path.substr(v4dflt.size()));
  } else if (path.size() > v6all.size() && path.substr(0, v6all.size()) == v6all) {
    std::string_view name = path.substr(v6all.size());
    if (name == "forwarding" || name == "disable_ipv6" || name == "ignore_routes_with_linkdown") {
      out.push_back("net/ipv6/conf/default/" + std::string(name));
      add_per_interface(out, live, "net/ipv6", name);
    }
  }
  out.erase(std::remove(out.begin(), out.end(), path), out.end());
  return out;
}

void snapshot_side_values(JournalEntry& entry, const KeySource& live) {
  entry.side.clear();
  std::set<std::string> seen;
  for (const JournalKey& k : entry.keys) {
    for (const std::string& p : side_effect_paths(k.path, live)) {
      if (primary(entry, p) || !seen.insert(p).second) continue;
      // An interface whose name is not a valid key component is not ours to journal.
      if (normalize_key(p).path != p) continue;
      KeyRead r = live.read(p);
      if (r.status != KeyStatus::value) continue;
      entry.side.push_back({p, r.value, std::nullopt});
    }
  }
}

void record_side_after(JournalEntry& entry, const KeySource& live) {
  for (JournalSide& s : entry.side) {
    KeyRead r = live.read(s.path);
    s.after = r.status == KeyStatus::value ? std::optional<std::string>(r.value) : std::nullopt;
  }
}

std::vector<SideRestore> plan_side_restore(const JournalEntry& entry, const KeySource& live) {
  std::vector<SideRestore> out;
  std::set<std::string> seen;
  for (const JournalKey& k : entry.keys) {
    if (!k.before) continue;  // never written back: the kernel copies nothing
    for (const std::string& p : side_effect_paths(k.path, live)) {
      if (primary(entry, p) || !seen.insert(p).second) continue;
      if (normalize_key(p).path != p) continue;
      KeyRead now = live.read(p);
      if (now.status != KeyStatus::value) continue;
      SideRestore s{p, now.value, k.key};
      auto j = std::find_if(entry.side.begin(), entry.side.end(),
                            [&](const JournalSide& js) { return js.path == p; });
      if (j != entry.side.end() && (!j->after || same_value(now.value, *j->after)))
        s.target = j->before;
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace tcptune
