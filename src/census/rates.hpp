#pragma once
/// Connections opened and closed between two census snapshots, per group (a client-side
/// destination or a server-side listening port), from socket identities: the sock_diag cookie,
/// which a connection keeps when it becomes a TIME_WAIT mini-socket.
///
/// The first snapshot is kept as one sorted array of (cookie, group, state): 16 bytes per
/// socket, freed with the tracker. The second snapshot is streamed against it, so its sockets
/// are never stored.
///
/// In the window a socket counts as
///   - a new connection when its identity is not in the first snapshot;
///   - a close when it was open (SYN_SENT, SYN_RECV, ESTABLISHED) in the first snapshot and is
///     closing or gone in the second, or when it is new and already closing.
/// Connections that opened and vanished entirely between the snapshots (a TIME_WAIT taken over
/// by tcp_tw_reuse, skipped by tcp_max_tw_buckets, or the passive side of a close) are not seen:
/// the census can only under-count, which census.cpp reconciles with the kernel's counters.

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "census/aggregate.hpp"

namespace tcptune {

/// Which end of the connections a group is: the client side (a destination the host connects
/// to) or the server side (a listening port's accepted connections).
enum class GroupSide : std::uint8_t { client, server };

/// A client-side destination (side client) or a listening port (side server,
/// dest.remote_port = the local port, the rest zero).
struct GroupKey {
  GroupSide side = GroupSide::client;
  DestinationKey dest;
  bool operator==(const GroupKey&) const = default;
};

/// The group of the connections to a destination (client side).
inline GroupKey client_group(const DestinationKey& dest) {
  return GroupKey{GroupSide::client, dest};
}

/// The group of a listening port's connections (server side): only the port is set.
inline GroupKey server_group(std::uint16_t port) {
  GroupKey g;
  g.side = GroupSide::server;
  g.dest.remote_port = port;
  return g;
}

struct GroupKeyHash {
  std::size_t operator()(const GroupKey& k) const noexcept {
    return DestinationKeyHash{}(k.dest) ^ (k.side == GroupSide::server ? 0x9e3779b97f4a7c15ull : 0);
  }
};

struct GroupCounts {
  std::uint64_t connects = 0;     ///< new in the second snapshot
  std::uint64_t closes = 0;       ///< open → closing or gone, or new and already closing
  std::uint64_t before = 0;       ///< sockets of the group in the first snapshot
  std::uint64_t after = 0;        ///< ... in the second
  std::uint64_t open_before = 0;  ///< of them open (SYN_SENT, SYN_RECV, ESTABLISHED), first
  std::uint64_t open_after = 0;   ///< ... second
};

/// An open connection: SYN_SENT, SYN_RECV or ESTABLISHED.
bool is_open_state(std::uint8_t state);

class RateTracker {
 public:
  /// Called by the aggregator for every non-listening socket of the snapshot being taken.
  void observe(std::uint64_t cookie, const GroupKey& group, std::uint8_t state) {
    observe_group(cookie, group_of(group), state);
  }
  /// The same, for a group index from group() (the aggregator asks once per group).
  void observe_group(std::uint64_t cookie, std::uint32_t group, std::uint8_t state);
  /// The snapshot in progress is restarted (a netlink retry): forget what it observed.
  void restart();
  /// The first snapshot is complete: index it; later observations are compared against it.
  void end_baseline();
  /// The second snapshot is complete: count what vanished.
  void end_compare();

  [[nodiscard]] bool comparing() const { return m_compare; }
  /// The index of a group, added (with no counts) when it is new.
  std::uint32_t group(const GroupKey& g) { return group_of(g); }
  [[nodiscard]] const std::unordered_map<GroupKey, std::uint32_t, GroupKeyHash>& groups() const {
    return m_index;
  }
  [[nodiscard]] const GroupCounts& counts(std::uint32_t group) const { return m_counts[group]; }
  [[nodiscard]] GroupCounts& counts(std::uint32_t group) { return m_counts[group]; }
  /// Bytes held for the first snapshot (for bench/).
  [[nodiscard]] std::size_t baseline_bytes() const { return m_base.capacity() * sizeof(Entry); }

 private:
  struct Entry {
    std::uint64_t cookie;
    std::uint32_t group;
    std::uint8_t state;
    std::uint8_t seen;
  };
  std::uint32_t group_of(const GroupKey& g);
  Entry* find_base(std::uint64_t cookie);
  std::vector<Entry> m_base;
  std::size_t m_cursor = 0;  ///< where find_base looks first: after the last entry it found
  std::unordered_map<GroupKey, std::uint32_t, GroupKeyHash> m_index;
  std::vector<GroupCounts> m_counts;
  bool m_compare = false;
};

}  // namespace tcptune
