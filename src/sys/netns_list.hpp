#pragma once
/// Every network namespace of the host (`--all-netns`): the named ones under /run/netns and
/// those that processes are in (/proc/PID/ns/net), one entry per namespace identity.

#include <cstdint>
#include <string>
#include <vector>

#include "core/cgroup_owner.hpp"
#include "core/result.hpp"
#include "sys/safe_fs.hpp"

namespace tcptune {

struct NetnsEntry {
  std::uint64_t dev = 0;  ///< identity: st_dev and st_ino of the nsfs file
  std::uint64_t ino = 0;
  std::string path;  ///< what to open to enter it: /run/netns/NAME or /proc/PID/ns/net
  std::string name;  ///< "initial", the /run/netns name, a container label, or "pid N (comm)"
  bool initial = false;
  std::size_t processes = 0;  ///< processes seen in it
  int first_pid = 0;          ///< the lowest pid in it (0: none seen, a named idle namespace)
  std::string comm;           ///< that process's command
  CgroupOwner owner;          ///< that process's unit or container
};

/// Lists namespaces under a root prefix (`root` + "/run/netns", `root` + "/proc"). The
/// initial namespace is the one of PID 1 (or PROC_NET_INIT_INO when PID 1 is hidden) and comes
/// first; the others follow by name. Processes that vanish mid-walk are skipped. Fails only
/// when `root`/proc cannot be listed.
Result<std::vector<NetnsEntry>> list_network_namespaces(const std::string& root);

/// A way back: holds this process's current network namespace open, and re-enters it.
class NetnsReturn {
 public:
  NetnsReturn();
  [[nodiscard]] bool ok() const { return m_fd.valid(); }
  /// setns back to the namespace held; false with errno on failure.
  bool restore() const;

 private:
  UniqueFd m_fd;
};

}  // namespace tcptune
