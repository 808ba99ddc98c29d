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
