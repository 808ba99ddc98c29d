#pragma once
/// Entering another network namespace (`--netns NAME|PATH`).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/kernel_version.hpp"
#include "core/result.hpp"

namespace tcptune {

/// NAME → /run/netns/NAME; anything with a '/' is used as a path (e.g. /proc/PID/ns/net).
std::string netns_path(const std::string& name_or_path);

/// "dev:ino" of the namespace file at `path` (stat follows /proc/PID/ns/net); ENOENT when
/// it is gone.
Result<std::string> netns_id(const std::string& path);

/// The SO_NETNS_COOKIE of the network namespace this thread is in (Linux 5.14+): a 64-bit
/// number the kernel never gives to another namespace. nullopt where the kernel lacks it.
std::optional<std::uint64_t> current_netns_cookie();

/// setns(CLONE_NEWNET) into the namespace at `path` for the whole process (call before any
/// other thread exists). EPERM without CAP_SYS_ADMIN.
Result<void> enter_netns(const std::string& path);

/// Whether this process is in the initial network namespace; nullopt when that cannot be told.
std::optional<bool> in_initial_netns();

/// The running kernel's version (uname(2)); nullopt when its release does not parse.
std::optional<KernelVersion> running_kernel();

/// A namespace file's identity (stat of /proc/PID/ns/NAME).
struct NsFile {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
};

/// The decision of in_initial_netns(), from this process's network namespace, the running
/// kernel, and PID 1's namespaces: `pid1("pid")` and `pid1("net")`, asked only when needed
/// (nullopt: not readable).
/// - The initial network namespace's fixed inode (PROC_NET_INIT_INO, 0xEFFFFFF9, below the
///   range dynamic inodes come from) is certain on any kernel; from Linux 6.18 on every kernel
///   gives it that inode, so any other is another namespace.
/// - Before, the inode is dynamic: the same as PID 1's, unless PID 1 is known to be in another
///   PID namespace than the initial one (whose inode, PROC_PID_INIT_INO, 0xEFFFFFFC, is fixed
///   since Linux 3.8): in a container, PID 1 is the container's init, in its namespaces.
/// `kernel` nullopt (a fixture tree, whose files are no namespace inodes): no 6.18 rule.
std::optional<bool> initial_netns_from(
    std::optional<NsFile> self_net, std::optional<KernelVersion> kernel,
    const std::function<std::optional<NsFile>(const char* ns)>& pid1);

}  // namespace tcptune
