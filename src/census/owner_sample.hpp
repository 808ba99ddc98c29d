#pragma once
/// Owners of the socket groups a report talks about, at bounded cost.
///
/// While a census streams, OwnerSampler keeps for every group (a client-side destination or a
/// listening port) the inodes of at most k_owner_samples sockets per state: memory grows with
/// the number of groups, not of sockets. After the census, only the groups the findings and
/// the top-N tables name (select_owner_groups) are looked up in /proc/PID/fd, in one walk.
///
/// With two snapshots a sampler of the first one is kept: the sockets it saw open that are
/// closing or gone in the second were connections of the window, and the processes that held
/// them are who opened the destination's short connections (and its TIME_WAIT), inferred.

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "census/rates.hpp"
#include "core/owner.hpp"

namespace tcptune {

inline constexpr std::size_t k_owner_samples = 8;  ///< inodes kept per group and state

class OwnerSampler {
 public:
  struct Sample {
    std::uint32_t inode = 0;
    std::uint8_t state = 0;
    std::uint64_t cookie = 0;
    std::uint64_t cgroup_id = 0;  ///< INET_DIAG_CGROUP_ID (netlink), else 0
    bool closed_later = false;    ///< first snapshot: not open any more in the second
  };

  /// Files `r` (already added to the aggregator that gave `group`). Listening sockets are
  /// sampled under their port's server group; sockets without an inode (TIME_WAIT, orphans)
  /// are not sampled. With `earlier` (the first snapshot's sampler), notes which of its
  /// samples are still open.
  void observe(const SocketRecord& r, const GroupKey& group, const OwnerSampler* earlier);
  /// The snapshot in progress restarted (a netlink retry).
  void restart();
  /// The second snapshot (`later`) is complete: mark the samples not open in it.
  void mark_closed_against(const OwnerSampler& later);

  /// The samples of a group; null when none.
  [[nodiscard]] const std::vector<Sample>* samples(const GroupKey& g) const;
  [[nodiscard]] std::size_t groups() const { return m_groups.size(); }
  /// Bytes held (for bench/).
  [[nodiscard]] std::size_t bytes() const;

 private:
  std::unordered_map<GroupKey, std::vector<Sample>, GroupKeyHash> m_groups;
  std::unordered_set<std::uint64_t> m_cookies;     ///< sampled open sockets' cookies
  std::unordered_set<std::uint64_t> m_still_open;  ///< the earlier sampler's, open here
};

/// The group a record is filed under by `agg` (after the record was added to it).
GroupKey group_of(const CensusAggregator& agg, const SocketRecord& r);

/// The groups whose owners a report shows: the `top` largest destinations, the `top`
/// destinations with most TIME_WAIT, the `top` with most CLOSE_WAIT, and the listening ports
/// (the `top` busiest and the `top` with most CLOSE_WAIT). No duplicates.
std::vector<GroupKey> select_owner_groups(const CensusAggregator& agg, std::size_t top);

/// What the /proc walks cost.
struct OwnerLookupStats {
  std::size_t walks = 0;
  std::size_t groups = 0;
  std::size_t inodes = 0;
  std::size_t processes_scanned = 0;
  std::size_t descriptors_scanned = 0;
  std::size_t processes_denied = 0;
  double seconds = 0;
  std::string error;  ///< a walk failed (its owners are then missing)
};

/// inode → the processes holding it, from one walk.
struct InodeOwners {
  std::unordered_map<std::uint32_t, std::vector<int>> holders;
  std::unordered_map<int, SocketOwner> processes;  ///< sockets = 0, basis holds
  /// For sampled sockets the walk found no process for (not visible to this user, or closed
  /// since): their cgroup id → what the cgroup names (only ids whose path names a unit or a
  /// container).
  std::unordered_map<std::uint64_t, CgroupOwner> cgroups;
};

/// Looks up, in one walk of PROC/[pid]/fd, the sampled inodes of `groups`; then the cgroups
/// (under `sys_fs_cgroup`) of the sampled sockets no process was found for.
InodeOwners lookup_sample_owners(const std::string& proc_dir, const std::vector<GroupKey>& groups,
                                 const OwnerSampler& sampler, OwnerLookupStats& stats,
                                 const std::string& sys_fs_cgroup = "/sys/fs/cgroup");

/// The owners of one group.
struct OwnersOfGroup {
  /// Processes holding its sampled sockets in the last snapshot (basis holds), most first.
  std::vector<SocketOwner> holders;
  /// Of them, the holders of CLOSE_WAIT sockets.
  std::vector<SocketOwner> close_wait;
  /// Who its TIME_WAIT (and closes) are attributed to, always inferred: the processes that
  /// held its connections that closed in the window (basis window), else the holders of
  /// established connections to the same remote endpoint from any local address, or of the
  /// listening socket for a server port (basis established).
  std::vector<SocketOwner> time_wait;
};

using GroupOwners = std::unordered_map<GroupKey, OwnersOfGroup, GroupKeyHash>;

/// Who owns each of `groups` (pure): `now` with its walk, `first` (the first snapshot's
/// sampler, samples marked with mark_closed_against) with its walk, or null.
GroupOwners attribute_owners(const std::vector<GroupKey>& groups, const OwnerSampler& now,
                             const InodeOwners& now_owners, const OwnerSampler* first,
                             const InodeOwners* first_owners);

}  // namespace tcptune
