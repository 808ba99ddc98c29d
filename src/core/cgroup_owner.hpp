#pragma once
/// What a process's cgroup says about who runs it: the systemd unit, or the container (and
/// Kubernetes pod) it belongs to. Pure: text in, model out; the OS side is sys/proc_owners.

#include <string>
#include <string_view>

namespace tcptune {

/// The owner a cgroup path names. Empty fields mean "not named by the path".
struct CgroupOwner {
  std::string unit;       ///< systemd unit: "nginx.service", "session-3.scope"
  std::string runtime;    ///< "docker", "containerd", "cri-o", "podman", "lxc" or ""
  std::string container;  ///< container id (64 hex digits for OCI runtimes) or LXC name
  std::string pod_uid;    ///< Kubernetes pod UID with dashes ("8f2c1c62-...") or ""

  [[nodiscard]] bool empty() const { return unit.empty() && container.empty(); }
  /// "myapp.service", "docker:0123456789ab", "pod 8f2c1c62-… / containerd:0123456789ab".
  [[nodiscard]] std::string label() const;
};

/// The cgroup path of a process from the text of /proc/PID/cgroup: the unified (v2) line
/// "0::/path" (unless it is "/" and the v1 "name=systemd" line is deeper, as on hybrid hosts),
/// else the "name=systemd" line, else the first line's path. "" when none.
std::string cgroup_path_of(std::string_view proc_pid_cgroup);

/// Classifies a cgroup path as systemd and the container runtimes lay them out:
///   /system.slice/nginx.service                               unit nginx.service
///   /user.slice/user-1000.slice/session-3.scope               unit session-3.scope
///   /system.slice/docker-<id>.scope, /docker/<id>             docker
///   /kubepods.slice/kubepods-burstable.slice/
///     kubepods-burstable-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope
///   /kubepods/burstable/pod<uid>/<id>                          containerd (cgroupfs driver)
///   .../crio-<id>.scope, /kubepods/<qos>/pod<uid>/crio-<id>     cri-o
///   /machine.slice/libpod-<id>.scope, .../libpod-<id>.scope    podman
///   /lxc.payload.<name>, /lxc/<name>                           lxc
/// A container's unit is left empty (its scope is the container, not a service).
CgroupOwner classify_cgroup(std::string_view path);

}  // namespace tcptune
