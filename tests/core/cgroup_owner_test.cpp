#include "core/cgroup_owner.hpp"

#include <doctest/doctest.h>

using tcptune::cgroup_path_of;
using tcptune::classify_cgroup;

namespace {
constexpr const char* k_id = "4f1c2e9a0b3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6";
}

TEST_CASE("cgroup_path_of: v2, v1 with name=systemd, hybrid") {
  CHECK(cgroup_path_of("0::/system.slice/nginx.service\n") == "/system.slice/nginx.service");
  CHECK(cgroup_path_of("12:pids:/system.slice/a.service\n"
                       "1:name=systemd:/system.slice/a.service\n") == "/system.slice/a.service");
  // Hybrid: the unified line wins over v1 controllers.
  CHECK(cgroup_path_of("5:cpu,cpuacct:/x\n1:name=systemd:/y\n0::/z.service\n") == "/z.service");
  CHECK(cgroup_path_of("") == "");
  CHECK(cgroup_path_of("garbage\n") == "");
  CHECK(cgroup_path_of("0::/with:colon.scope\n") == "/with:colon.scope");
  // Hybrid with the unified hierarchy left at the root: the systemd one names the unit.
  CHECK(cgroup_path_of("9:name=systemd:/system.slice/nginx.service\n4:memory:/x\n0::/\n") ==
        "/system.slice/nginx.service");
  CHECK(cgroup_path_of("1:name=systemd:/\n0::/\n") == "/");
  CHECK(cgroup_path_of("0::/\n") == "/");
}

TEST_CASE("systemd units") {
  CHECK(classify_cgroup("/system.slice/nginx.service").unit == "nginx.service");
  CHECK(classify_cgroup("/system.slice/php8.2-fpm.service").unit == "php8.2-fpm.service");
  CHECK(classify_cgroup("/user.slice/user-1000.slice/session-3.scope").unit == "session-3.scope");
  CHECK(
      classify_cgroup("/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service").unit ==
      "foo.service");
  CHECK(classify_cgroup("/system.slice/run-u42.service").unit == "run-u42.service");
  CHECK(classify_cgroup("/").empty());
  CHECK(classify_cgroup("/init.scope").unit == "init.scope");
  CHECK(classify_cgroup("/system.slice/nginx.service").label() == "nginx.service");
}

TEST_CASE("docker with the systemd and the cgroupfs driver") {
  auto o = classify_cgroup(std::string("/system.slice/docker-") + k_id + ".scope");
  CHECK(o.runtime == "docker");
  CHECK(o.container == k_id);
  CHECK(o.unit.empty());
  CHECK(o.label() == "docker:4f1c2e9a0b3d");
  o = classify_cgroup(std::string("/docker/") + k_id);
  CHECK(o.runtime == "docker");
  CHECK(o.container == k_id);
}

TEST_CASE("kubernetes pods: systemd driver with containerd and cri-o, cgroupfs driver") {
  auto o = classify_cgroup(
      std::string("/kubepods.slice/kubepods-burstable.slice/"
                  "kubepods-burstable-pod8f2c1c62_1f4e_4bd0_9b9c_0e3b5d2a7c11.slice/"
                  "cri-containerd-") +
      k_id + ".scope");
  CHECK(o.runtime == "containerd");
  CHECK(o.container == k_id);
  CHECK(o.pod_uid == "8f2c1c62-1f4e-4bd0-9b9c-0e3b5d2a7c11");
  CHECK(o.label() == "pod 8f2c1c62-1f4e-4bd0-9b9c-0e3b5d2a7c11 / containerd:4f1c2e9a0b3d");
  o = classify_cgroup(std::string("/kubepods.slice/kubepods-pod8f2c1c62_1f4e_4bd0_9b9c_"
                                  "0e3b5d2a7c11.slice/crio-") +
                      k_id + ".scope");
  CHECK(o.runtime == "cri-o");
  CHECK(o.pod_uid == "8f2c1c62-1f4e-4bd0-9b9c-0e3b5d2a7c11");
  o = classify_cgroup(std::string("/kubepods/besteffort/pod8f2c1c62-1f4e-4bd0-9b9c-0e3b5d2a7c11/") +
                      k_id);
  CHECK(o.runtime == "containerd");
  CHECK(o.container == k_id);
  CHECK(o.pod_uid == "8f2c1c62-1f4e-4bd0-9b9c-0e3b5d2a7c11");
  // The pod's own slice, without a container below it (the pause sandbox's cgroup parent).
  o = classify_cgroup("/kubepods.slice/kubepods-burstable.slice");
  CHECK(o.pod_uid.empty());
  CHECK(o.empty());
}

TEST_CASE("podman and lxc") {
  auto o = classify_cgroup(std::string("/machine.slice/libpod-") + k_id + ".scope/container");
  CHECK(o.runtime == "podman");
  CHECK(o.container == k_id);
  o = classify_cgroup(std::string("/user.slice/user-1000.slice/user@1000.service/user.slice/"
                                  "libpod-") +
                      k_id + ".scope");
  CHECK(o.runtime == "podman");
  CHECK(o.unit.empty());
  o = classify_cgroup("/lxc.payload.web01/system.slice/nginx.service");
  CHECK(o.runtime == "lxc");
  CHECK(o.container == "web01");
  CHECK(o.label() == "lxc:web01");
}

TEST_CASE("names that only look like containers stay units") {
  // Too short to be a container id; an ordinary scope.
  CHECK(classify_cgroup("/system.slice/docker-abc.scope").unit == "docker-abc.scope");
  CHECK(classify_cgroup("/system.slice/docker-abc.scope").container.empty());
  CHECK(classify_cgroup("/system.slice/docker.service").unit == "docker.service");
  CHECK(classify_cgroup("/system.slice/podcast.service").pod_uid.empty());
}

// Paths as /proc/PID/cgroup shows them on real hosts, one per runtime and driver.
TEST_CASE("real-looking cgroup paths of container runtimes and Kubernetes") {
  const std::string id = k_id;
  const std::string uid_ = "0b7d2c6e_3c1a_4e55_9f2d_6a8b1c2d3e4f";
  const std::string uid = "0b7d2c6e-3c1a-4e55-9f2d-6a8b1c2d3e4f";
  struct Case {
    std::string path, runtime, container, pod, unit;
  };
  const Case cases[] = {
      // Kubernetes, systemd driver: containerd and CRI-O, the three QoS classes.
      {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uid_ +
           ".slice/cri-containerd-" + id + ".scope",
       "containerd", id, uid, ""},
      {"/kubepods.slice/kubepods-pod" + uid_ + ".slice/cri-containerd-" + id + ".scope",
       "containerd", id, uid, ""},
      {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid_ + ".slice/crio-" +
           id + ".scope",
       "cri-o", id, uid, ""},
      // Kubernetes, cgroupfs driver (kind, k3s, older kubeadm): containerd, docker, CRI-O.
      {"/kubepods/burstable/pod" + uid + "/" + id, "containerd", id, uid, ""},
      {"/kubepods/pod" + uid + "/" + id, "containerd", id, uid, ""},
      {"/kubepods/besteffort/pod" + uid + "/crio-" + id, "cri-o", id, uid, ""},
      // Docker: systemd and cgroupfs drivers, rootless under the user manager.
      {"/system.slice/docker-" + id + ".scope", "docker", id, "", ""},
      {"/docker/" + id, "docker", id, "", ""},
      {"/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" + id + ".scope", "docker",
       id, "", ""},
      // containerd without Kubernetes (nerdctl, ctr): systemd and cgroupfs.
      {"/system.slice/nerdctl-" + id + ".scope", "containerd", id, "", ""},
      {"/default/" + id, "containerd", id, "", ""},
      // Podman: root (machine.slice), rootless, with the cgroupfs manager.
      {"/machine.slice/libpod-" + id + ".scope", "podman", id, "", ""},
      {"/machine.slice/libpod-" + id + ".scope/container", "podman", id, "", ""},
      {"/libpod_parent/" + id, "podman", id, "", ""},
      // The runtime's own monitor is a unit, not the container.
      {"/machine.slice/libpod-conmon-" + id + ".scope", "", "", "",
       "libpod-conmon-" + id + ".scope"},
      {"/system.slice/crio-conmon-" + id + ".scope", "", "", "", "crio-conmon-" + id + ".scope"},
      // Services and sessions.
      {"/system.slice/containerd.service", "", "", "", "containerd.service"},
      {"/system.slice/system-getty.slice/getty@tty1.service", "", "", "", "getty@tty1.service"},
      {"/user.slice/user-0.slice/session-c1.scope", "", "", "", "session-c1.scope"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.path);
    const auto o = classify_cgroup(c.path);
    CHECK(o.runtime == c.runtime);
    CHECK(o.container == c.container);
    CHECK(o.pod_uid == c.pod);
    CHECK(o.unit == c.unit);
  }
}
