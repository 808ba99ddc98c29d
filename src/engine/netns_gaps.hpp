#pragma once
/// Host tuning that does not reach other network namespaces: a per-namespace key that the
/// host's sysctl.d set assigns starts, in a new namespace, from the kernel's default (or, for a
/// few keys, a copy of the initial namespace's value at creation, taken before sysctl.d may
/// have run) — rules/keys.toml `netns_init`. Pure: catalog, persisted values and the values
/// read inside a namespace in, gaps out.

#include <map>
#include <string>
#include <vector>

#include "core/catalog.hpp"
#include "engine/host_facts.hpp"

namespace tcptune {

struct NetnsGap {
  std::string key;         ///< dotted: net.ipv4.tcp_tw_reuse
  std::string path;        ///< relative /proc/sys path: net/ipv4/tcp_tw_reuse
  std::string host_value;  ///< what the host's sysctl.d set assigns
  std::string file;        ///< where (shown path)
  int line = 0;
  std::string ns_value;    ///< the live value inside the namespace
  std::string netns_init;  ///< "default" | "copy" | "" (unknown)
};

/// The /proc/sys paths worth reading in each namespace: keys the sysctl.d set persists that are
/// per network namespace (`netns = "yes"` in the catalog), in path order.
std::vector<std::string> per_netns_persisted_keys(
    const Catalog& keys, const std::map<std::string, PersistedValue>& persisted);

/// The keys of `ns_live` (path → live value in a non-initial namespace) whose value differs
/// from the persisted one, compared with whitespace runs collapsed. A key absent from
/// `ns_live` (not readable there) is no gap.
std::vector<NetnsGap> netns_gaps(const Catalog& keys,
                                 const std::map<std::string, PersistedValue>& persisted,
                                 const std::map<std::string, std::string>& ns_live);

}  // namespace tcptune
