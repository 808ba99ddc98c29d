#include "sys/netns.hpp"

#include <doctest/doctest.h>

#include <string_view>

namespace tcptune {

namespace {

/// initial_netns_from with PID 1's namespaces given; counts how often they were asked for.
int g_asked = 0;
std::optional<bool> decide(std::optional<NsFile> self, std::optional<KernelVersion> kernel,
                           std::optional<NsFile> pid, std::optional<NsFile> net) {
  return initial_netns_from(self, kernel, [&](const char* name) {
    ++g_asked;
    return std::string_view(name) == "pid" ? pid : net;
  });
}

}  // namespace

TEST_CASE("initial_netns_from: the fixed inodes first, PID 1 only when it is the host's init") {
  const NsFile fixed_net{4, 0xEFFFFFF9};
  const NsFile other_net{4, 0xF0000123};
  const NsFile host_pid{4, 0xEFFFFFFC};
  const NsFile container_pid{4, 0xF0000456};
  const KernelVersion k618{6, 18, 0};
  const KernelVersion k61{6, 1, 0};
  // The fixed inode is certain on any kernel, whatever PID 1 shows.
  CHECK(decide(fixed_net, k61, std::nullopt, std::nullopt) == true);
  CHECK(decide(fixed_net, std::nullopt, container_pid, other_net) == true);
  // From 6.18 on, any other inode is another namespace: also in a container whose PID 1 is
  // in the same namespace as this process (`unshare -p -n -f --mount-proc`).
  CHECK(decide(other_net, k618, container_pid, other_net) == false);
  CHECK(decide(other_net, KernelVersion{7, 0, 0}, std::nullopt, std::nullopt) == false);
  // Before 6.18: the same namespace as PID 1 when PID 1 is the host's init.
  CHECK(decide(other_net, k61, host_pid, other_net) == true);
  CHECK(decide(other_net, k61, host_pid, NsFile{4, 0xF0000999}) == false);
  CHECK(decide(other_net, k61, host_pid, NsFile{5, other_net.ino}) == false);
  // A container's init (another PID namespace) tells nothing about the host's.
  CHECK(decide(other_net, k61, container_pid, other_net) == std::nullopt);
  // PID 1's PID namespace unreadable (a fixture tree has none): PID 1 is taken for the init.
  CHECK(decide(other_net, k61, std::nullopt, other_net) == true);
  // Nothing readable.
  CHECK(decide(other_net, k61, host_pid, std::nullopt) == std::nullopt);
  CHECK(decide(other_net, std::nullopt, host_pid, other_net) == true);
  CHECK(decide(std::nullopt, k618, host_pid, other_net) == std::nullopt);
  // PID 1's namespaces are read only when the inode and the kernel do not answer.
  g_asked = 0;
  CHECK(decide(fixed_net, k61, host_pid, other_net) == true);
  CHECK(decide(other_net, k618, host_pid, other_net) == false);
  CHECK(g_asked == 0);
  CHECK(decide(other_net, k61, host_pid, other_net) == true);
  CHECK(g_asked == 2);
}

}  // namespace tcptune
