#pragma once
/// Entering another network namespace (`--netns NAME|PATH`).

#include <cstdint>
#include <optional>
#include <string>

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

/// Whether this process is in the initial network namespace (the one of PID 1); nullopt when
/// that cannot be told (no /proc, PID 1's namespace unreadable).
std::optional<bool> in_initial_netns();

}  // namespace tcptune
