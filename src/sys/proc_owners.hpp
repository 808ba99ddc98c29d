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

}  // namespace tcptune
