#include "core/cgroup_owner.hpp"

#include <algorithm>
#include <vector>

#include "core/text_util.hpp"

namespace tcptune {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool is_hex_id(std::string_view s) {
  if (s.size() < 12 || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

/// "kubepods-burstable-pod8f2c1c62_1f4e_4bd0_9b9c_0e3b5d2a7c11.slice" or "pod8f2c…-…" → the UID
/// with dashes; "" when the component is not a pod's.
std::string pod_uid_of(std::string_view component) {
  if (ends_with(component, ".slice")) component.remove_suffix(6);
  const auto at = component.rfind("pod");
  if (at == std::string_view::npos) return {};
  if (at != 0 && component[at - 1] != '-') return {};
  std::string uid(component.substr(at + 3));
  for (char& c : uid) {
    if (c == '_') c = '-';
  }
  if (uid.size() < 32) return {};
  for (char c : uid) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')) return {};
  }
  return uid;
}

struct ScopePrefix {
  std::string_view prefix;
  std::string_view runtime;
};

// Scope names of the systemd cgroup driver: "<prefix><id>.scope".
constexpr ScopePrefix k_scope_prefixes[] = {
    {"docker-", "docker"},         {"cri-containerd-", "containerd"},
    {"containerd-", "containerd"}, {"crio-", "cri-o"},
    {"libpod-", "podman"},         {"nerdctl-", "containerd"},
};

}  // namespace

std::string CgroupOwner::label() const {
  std::string out;
  if (!pod_uid.empty()) out = "pod " + pod_uid;
  if (!container.empty()) {
    if (!out.empty()) out += " / ";
    out += (runtime.empty() ? std::string("container") : runtime) + ":" +
           container.substr(0, is_hex_id(container) ? 12 : container.size());
  }
  if (out.empty()) out = unit;
  return out;
}

std::string cgroup_path_of(std::string_view text) {
  std::string_view unified;
  std::string_view v1_systemd;
  std::string_view first;
  for (std::string_view line : split(text, '\n')) {
    if (line.empty()) continue;
    // hierarchy-ID:controller-list:cgroup-path (cgroups(7)); the path may contain ':'.
    const auto c1 = line.find(':');
    if (c1 == std::string_view::npos) continue;
    const auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, c1);
    const std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
    const std::string_view path = line.substr(c2 + 1);
    if (id == "0" && controllers.empty()) unified = path;
    if (controllers == "name=systemd") v1_systemd = path;
    if (first.empty()) first = path;
  }
  // Hybrid hosts and some container runtimes leave the unified hierarchy at "/" while the
  // name=systemd one holds the unit: the more specific path wins.
  if (!unified.empty() && (unified != "/" || v1_systemd.empty() || v1_systemd == "/"))
    return std::string(unified);
  return std::string(v1_systemd.empty() ? first : v1_systemd);
}

CgroupOwner classify_cgroup(std::string_view path) {
  CgroupOwner o;
  std::vector<std::string_view> parts;
  for (std::string_view p : split(path, '/')) {
    if (!p.empty()) parts.push_back(p);
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string_view c = parts[i];
    if (o.pod_uid.empty() && (starts_with(c, "kubepods") || starts_with(c, "pod"))) {
      o.pod_uid = pod_uid_of(c);
      if (!o.pod_uid.empty()) continue;
    }
    // "<prefix><id>.scope" (systemd driver), or "<prefix><id>" as CRI-O names a container's
    // directory under the cgroupfs driver (/kubepods/burstable/pod<uid>/crio-<id>).
    {
      const bool scope = ends_with(c, ".scope");
      const std::string_view stem = scope ? c.substr(0, c.size() - 6) : c;
      bool matched = false;
      for (const auto& sp : k_scope_prefixes) {
        const std::string_view id = stem.substr(std::min(stem.size(), sp.prefix.size()));
        if (starts_with(stem, sp.prefix) && is_hex_id(id) && (scope || id.size() == 64)) {
          o.runtime = std::string(sp.runtime);
          o.container = std::string(stem.substr(sp.prefix.size()));
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    // cgroupfs driver: /docker/<id>, /kubepods/<qos>/pod<uid>/<id>, /default/<id> (containerd).
    if (is_hex_id(c) && c.size() == 64 && i > 0) {
      const std::string_view parent = parts[i - 1];
      if (parent == "docker") {
        o.runtime = "docker";
      } else if (!o.pod_uid.empty()) {
        if (o.runtime.empty()) o.runtime = "containerd";
      } else if (o.runtime.empty()) {
        o.runtime = parent == "libpod_parent" ? "podman" : "containerd";
      }
      o.container = std::string(c);
      continue;
    }
    if (starts_with(c, "lxc.payload.") && c.size() > 12) {
      o.runtime = "lxc";
      o.container = std::string(c.substr(12));
      continue;
    }
    if (c == "lxc" && i + 1 < parts.size()) {
      o.runtime = "lxc";
      o.container = std::string(parts[i + 1]);
      ++i;
      continue;
    }
    // The innermost service or scope that is not a container's. "user@1000.service" is the
    // user manager; a unit below it (a user service) wins, being more specific.
    if (ends_with(c, ".service") || ends_with(c, ".scope") || ends_with(c, ".socket")) {
      o.unit = std::string(c);
    }
  }
  if (!o.container.empty()) o.unit.clear();
  return o;
}

}  // namespace tcptune
