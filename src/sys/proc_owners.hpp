#pragma once
/// Which processes hold which sockets: the walk `ss -p` does over /proc/PID/fd, restricted to
/// the socket inodes asked about, so its cost is one readlink per open descriptor on the host
/// and its memory grows with the answer, not with the number of sockets.

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/cgroup_owner.hpp"
#include "core/result.hpp"

namespace tcptune {

struct ProcessInfo {
  int pid = 0;
  std::string comm;    ///< /proc/PID/comm without the newline
  std::string cgroup;  ///< the cgroup path (cgroup_path_of)
  CgroupOwner owner;   ///< classify_cgroup(cgroup)
};

struct SocketOwners {
  /// inode → the pids that hold a descriptor on it (ascending; a forked server shares one).
  std::unordered_map<std::uint32_t, std::vector<int>> holders;
  std::map<int, ProcessInfo> processes;  ///< every pid named in `holders`
  std::size_t processes_scanned = 0;
  std::size_t descriptors_scanned = 0;
  std::size_t processes_denied = 0;  ///< fd directories we could not list (EACCES, gone)
};

/// Walks PROC/[0-9]*/fd (PROC = `proc_dir`, e.g. "/proc" or "FIXTURE/proc"), reading each
/// descriptor's link without following it, and keeps those "socket:[N]" whose N is in `wanted`.
/// Processes that exit during the walk, or whose fd directory is not readable, are counted in
/// processes_denied and skipped. Fails only when `proc_dir` itself cannot be opened.
/// Nothing is followed: the fixture tree cannot make the walk read outside it.
Result<SocketOwners> find_socket_owners(const std::string& proc_dir,
                                        const std::unordered_set<std::uint32_t>& wanted);

/// The cgroup v2 directories of the cgroup ids in `wanted` (as INET_DIAG_CGROUP_ID gives them):
/// id → path relative to the hierarchy's root ("/system.slice/nginx.service", "/" for the root).
/// One walk of the unified hierarchy at `sys_fs_cgroup` ("/sys/fs/cgroup", or its "unified"
/// subdirectory on hybrid hosts), where a directory's inode number is its cgroup id (64-bit
/// kernels); links are not followed, the walk stops once every id is found and is bounded
/// (depth 64, 100,000 directories). Ids not found are left out; no hierarchy, an empty map.
std::unordered_map<std::uint64_t, std::string> cgroup_paths_by_id(
    const std::string& sys_fs_cgroup, const std::unordered_set<std::uint64_t>& wanted);

}  // namespace tcptune
