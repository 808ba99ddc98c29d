#include "core/owner.hpp"

namespace tcptune {

std::string_view to_string(OwnerBasis b) {
  switch (b) {
    case OwnerBasis::holds:
      return "holds";
    case OwnerBasis::window:
      return "window";
    case OwnerBasis::established:
      return "established";
    case OwnerBasis::listener:
      return "listener";
    case OwnerBasis::cgroup:
      return "cgroup";
  }
  return "holds";
}

std::string SocketOwner::text() const {
  if (basis == OwnerBasis::cgroup) return cgroup.label() + " (the sockets' cgroup)";
  std::string out = comm.empty() ? std::string("?") : comm;
  out += " (pid " + std::to_string(pid);
  if (!cgroup.empty()) out += ", " + cgroup.label();
  out += ")";
  return out;
}

std::string owners_clause(const std::vector<SocketOwner>& owners) {
  if (owners.empty()) return "";
  const bool inferred = owners.front().inferred();
  std::string out = inferred ? ", likely opened by " : ", owned by ";
  out += owners.front().text();
  if (owners.size() == 2) {
    out += " and " + owners[1].text();
  } else if (owners.size() > 2) {
    out += " and " + std::to_string(owners.size() - 1) + " other processes";
  }
  if (owners.front().basis == OwnerBasis::window) {
    out += " (inferred: it held connections of this group that closed in the sampling window)";
  } else if (owners.front().basis == OwnerBasis::established) {
    out += " (inferred: it holds the established connections to the same destination)";
  } else if (owners.front().basis == OwnerBasis::listener) {
    out += " (inferred: it owns the listening socket)";
  }
  return out;
}

std::string owner_label_unit(const SocketOwner& o) {
  if (!o.cgroup.container.empty()) {
    std::string id = o.cgroup.container.substr(0, 12);
    return o.cgroup.runtime.empty() ? id : o.cgroup.runtime + ":" + id;
  }
  return o.cgroup.unit;
}

}  // namespace tcptune
