#include "census/owner_sample.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "sys/proc_owners.hpp"

namespace tcptune {

void OwnerSampler::observe(const SocketRecord& r, const GroupKey& group,
                           const OwnerSampler* earlier) {
  if (earlier != nullptr && is_open_state(r.state) && earlier->m_cookies.contains(r.cookie))
    m_still_open.insert(r.cookie);
  if (r.inode == 0) return;
  std::vector<Sample>& v = m_groups[group];
  std::size_t same = 0;
  for (const Sample& s : v) same += s.state == r.state ? 1 : 0;
  if (same >= k_owner_samples) return;
  v.push_back({r.inode, r.state, r.cookie, r.cgroup_id, false});
  if (is_open_state(r.state)) m_cookies.insert(r.cookie);
}

void OwnerSampler::restart() {
  m_groups.clear();
  m_cookies.clear();
  m_still_open.clear();
}

void OwnerSampler::mark_closed_against(const OwnerSampler& later) {
  for (auto& [g, v] : m_groups) {
    for (Sample& s : v)
      s.closed_later = is_open_state(s.state) && !later.m_still_open.contains(s.cookie);
  }
}

const std::vector<OwnerSampler::Sample>* OwnerSampler::samples(const GroupKey& g) const {
  auto it = m_groups.find(g);
  return it == m_groups.end() ? nullptr : &it->second;
}

std::size_t OwnerSampler::bytes() const {
  std::size_t n = (m_cookies.size() + m_still_open.size()) * (sizeof(std::uint64_t) + 16);
  for (const auto& [g, v] : m_groups) n += sizeof(g) + 32 + v.capacity() * sizeof(Sample);
  return n;
}

GroupKey group_of(const CensusAggregator& agg, const SocketRecord& r) {
  if (r.state == static_cast<std::uint8_t>(TcpState::listen) ||
      agg.is_server_side(r.local_port, r.remote_port)) {
    return server_group(r.local_port);
  }
  GroupKey g;
  g.dest.v4 = r.v4;
  g.dest.local = r.local;
  g.dest.remote = r.remote;
  g.dest.remote_port = r.remote_port;
  return g;
}

std::vector<GroupKey> select_owner_groups(const CensusAggregator& agg, std::size_t top) {
  std::vector<GroupKey> out;
  auto add = [&](const GroupKey& g) {
    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  };
  std::vector<Destination> dests = agg.destinations();  // largest first
  for (std::size_t i = 0; i < dests.size() && i < top; ++i) add(client_group(dests[i].key));
  auto by_state = [&](TcpState st) {
    std::vector<const Destination*> v;
    for (const Destination& d : dests) {
      if (count_of(d.states, st) > 0) v.push_back(&d);
    }
    std::stable_sort(v.begin(), v.end(), [&](const Destination* a, const Destination* b) {
      return count_of(a->states, st) > count_of(b->states, st);
    });
    for (std::size_t i = 0; i < v.size() && i < top; ++i) add(client_group(v[i]->key));
  };
  by_state(TcpState::time_wait);
  by_state(TcpState::close_wait);
  std::vector<PortUse> ports = agg.server_ports();
  auto total = [](const PortUse& p) {
    std::uint64_t n = 0;
    for (std::uint64_t c : p.states) n += c;
    return n;
  };
  auto port_by = [&](auto key) {
    std::vector<const PortUse*> v;
    for (const PortUse& p : ports) v.push_back(&p);
    std::stable_sort(v.begin(), v.end(),
                     [&](const PortUse* a, const PortUse* b) { return key(*a) > key(*b); });
    for (std::size_t i = 0; i < v.size() && i < top; ++i) {
      add(server_group(v[i]->port));
    }
  };
  port_by(total);
  port_by([](const PortUse& p) { return count_of(p.states, TcpState::close_wait); });
  return out;
}

InodeOwners lookup_sample_owners(const std::string& proc_dir, const std::vector<GroupKey>& groups,
                                 const OwnerSampler& sampler, OwnerLookupStats& stats,
                                 const std::string& sys_fs_cgroup) {
  InodeOwners out;
  std::unordered_set<std::uint32_t> wanted;
  auto want = [&](const GroupKey& g) {
    if (const auto* v = sampler.samples(g)) {
      for (const OwnerSampler::Sample& s : *v) wanted.insert(s.inode);
    }
  };
  for (const GroupKey& g : groups) want(g);
  stats.groups += groups.size();
  stats.inodes += wanted.size();
  if (wanted.empty()) return out;
  auto t0 = std::chrono::steady_clock::now();
  Result<SocketOwners> r = find_socket_owners(proc_dir, wanted);
  stats.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ++stats.walks;
  if (!r.ok()) {
    stats.error = r.error().message();
    return out;
  }
  stats.processes_scanned += r.value().processes_scanned;
  stats.descriptors_scanned += r.value().descriptors_scanned;
  stats.processes_denied += r.value().processes_denied;
  out.holders = std::move(r.value().holders);
  for (auto& [pid, info] : r.value().processes) {
    SocketOwner o;
    o.pid = pid;
    o.comm = info.comm;
    o.cgroup = info.owner;
    out.processes.emplace(pid, std::move(o));
  }
  // The sockets no process was found for: their own cgroup, when the kernel gave it.
  std::unordered_set<std::uint64_t> ids;
  for (const GroupKey& g : groups) {
    if (const auto* v = sampler.samples(g)) {
      for (const OwnerSampler::Sample& s : *v)
        if (s.cgroup_id != 0 && !out.holders.contains(s.inode)) ids.insert(s.cgroup_id);
    }
  }
  for (const auto& [id, path] : cgroup_paths_by_id(sys_fs_cgroup, ids)) {
    CgroupOwner c = classify_cgroup(path);
    if (!c.empty()) out.cgroups.emplace(id, std::move(c));
  }
  return out;
}

namespace {

bool same_remote(const DestinationKey& a, const DestinationKey& b) {
  return a.v4 == b.v4 && a.remote == b.remote && a.remote_port == b.remote_port;
}

// Counts the owners of the samples that `pick` accepts, most sockets first (ties: lower pid).
template <typename Pick>
std::vector<SocketOwner> count_owners(const std::vector<OwnerSampler::Sample>* samples,
                                      const InodeOwners& owners, OwnerBasis basis, Pick pick) {
  std::vector<SocketOwner> out;
  if (samples == nullptr) return out;
  std::map<int, std::uint64_t> counts;
  std::map<std::uint64_t, std::uint64_t> by_cgroup;  // sockets with no process seen
  for (const OwnerSampler::Sample& s : *samples) {
    if (!pick(s)) continue;
    auto it = owners.holders.find(s.inode);
    if (it == owners.holders.end()) {
      if (basis == OwnerBasis::holds && owners.cgroups.contains(s.cgroup_id))
        ++by_cgroup[s.cgroup_id];
      continue;
    }
    for (int pid : it->second) ++counts[pid];
  }
  for (const auto& [pid, n] : counts) {
    auto p = owners.processes.find(pid);
    if (p == owners.processes.end()) continue;
    SocketOwner o = p->second;
    o.sockets = n;
    o.basis = basis;
    out.push_back(std::move(o));
  }
  for (const auto& [id, n] : by_cgroup) {
    SocketOwner o;
    o.cgroup = owners.cgroups.at(id);
    o.sockets = n;
    o.basis = OwnerBasis::cgroup;
    out.push_back(std::move(o));
  }
  std::stable_sort(out.begin(), out.end(), [](const SocketOwner& a, const SocketOwner& b) {
    return a.sockets > b.sockets;
  });
  return out;
}

void merge_into(std::vector<SocketOwner>& into, const std::vector<SocketOwner>& from) {
  for (const SocketOwner& o : from) {
    auto it = std::find_if(into.begin(), into.end(),
                           [&](const SocketOwner& x) { return x.pid == o.pid; });
    if (it == into.end()) {
      into.push_back(o);
    } else {
      it->sockets += o.sockets;
    }
  }
  std::stable_sort(into.begin(), into.end(), [](const SocketOwner& a, const SocketOwner& b) {
    return a.sockets > b.sockets;
  });
}

}  // namespace

GroupOwners attribute_owners(const std::vector<GroupKey>& groups, const OwnerSampler& now,
                             const InodeOwners& now_owners, const OwnerSampler* first,
                             const InodeOwners* first_owners) {
  GroupOwners out;
  auto any = [](const OwnerSampler::Sample&) { return true; };
  auto established = [](const OwnerSampler::Sample& s) {
    return s.state == static_cast<std::uint8_t>(TcpState::established) ||
           s.state == static_cast<std::uint8_t>(TcpState::syn_sent);
  };
  for (const GroupKey& g : groups) {
    OwnersOfGroup o;
    o.holders = count_owners(now.samples(g), now_owners, OwnerBasis::holds, any);
    o.close_wait = count_owners(now.samples(g), now_owners, OwnerBasis::holds,
                                [](const OwnerSampler::Sample& s) {
                                  return s.state == static_cast<std::uint8_t>(TcpState::close_wait);
                                });
    if (first != nullptr && first_owners != nullptr) {
      o.time_wait = count_owners(first->samples(g), *first_owners, OwnerBasis::window,
                                 [](const OwnerSampler::Sample& s) { return s.closed_later; });
    }
    if (o.time_wait.empty()) {
      if (g.side == GroupSide::server) {
        o.time_wait = count_owners(now.samples(g), now_owners, OwnerBasis::listener,
                                   [](const OwnerSampler::Sample& s) {
                                     return s.state == static_cast<std::uint8_t>(TcpState::listen);
                                   });
      } else {
        for (const GroupKey& h : groups) {
          if (h.side == GroupSide::server || !same_remote(h.dest, g.dest)) continue;
          merge_into(o.time_wait, count_owners(now.samples(h), now_owners, OwnerBasis::established,
                                               established));
        }
      }
    }
    if (!o.holders.empty() || !o.time_wait.empty()) out.emplace(g, std::move(o));
  }
  return out;
}

}  // namespace tcptune
