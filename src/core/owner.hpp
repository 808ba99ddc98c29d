#pragma once
/// Who holds a group of sockets: a process (pid, command) and what its cgroup names (systemd
/// unit, container, pod). Owners of TIME_WAIT sockets are always inferred: the kernel keeps no
/// owner for them.

#include <cstdint>
#include <string>
#include <vector>

#include "core/cgroup_owner.hpp"

namespace tcptune {

/// Why an owner is named.
enum class OwnerBasis {
  holds,        ///< it holds a descriptor on sockets of the group (a fact)
  window,       ///< inferred: it held connections of the group that closed in the sampling window
  established,  ///< inferred: it holds established connections to the same destination
  listener,     ///< inferred: it owns the listening socket of the port
  cgroup,       ///< the sockets' own cgroup (INET_DIAG_CGROUP_ID): no process seen holding them
};

std::string_view to_string(OwnerBasis b);

struct SocketOwner {
  int pid = 0;
  std::string comm;
  CgroupOwner cgroup;
  std::uint64_t sockets = 0;  ///< sockets of the group seen held by it (of those looked at)
  OwnerBasis basis = OwnerBasis::holds;
  [[nodiscard]] bool inferred() const {
    return basis != OwnerBasis::holds && basis != OwnerBasis::cgroup;
  }
  /// "python3 (pid 4242, myapp.service)"; "nginx (pid 7)" without a unit or container;
  /// "myapp.service (the sockets' cgroup)" for an owner known only from the sockets (pid 0).
  [[nodiscard]] std::string text() const;
};

/// ", owned by python3 (pid 4242, myapp.service)" or, inferred, ", likely opened by curl (pid 7)
/// (inferred: it held connections to it that closed in the sampling window)"; "" for none.
/// Two owners are both named, more as "X and N other processes".
std::string owners_clause(const std::vector<SocketOwner>& owners);

/// Low-cardinality name of the owner for metrics labels: the unit, "runtime:container12", or
/// "" when the cgroup names neither.
std::string owner_label_unit(const SocketOwner& o);

}  // namespace tcptune
