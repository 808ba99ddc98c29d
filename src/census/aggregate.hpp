#pragma once
/// Streaming aggregation of a socket census: memory grows with the number of groups
/// (listeners, destinations), never with the number of sockets.
///
/// Both the netlink dump and /proc/net/tcp list listening sockets before the established hash,
/// so a connection's local port is known to be a listener's (server side) when it arrives.

#include <array>
#include <bitset>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "census/socket_record.hpp"

namespace tcptune {

using StateCounts = std::array<std::uint64_t, k_state_slots>;  // index = state (1..11)

/// The count of one state: `count_of(d.states, TcpState::time_wait)` rather than `states[6]`.
inline std::uint64_t count_of(const StateCounts& counts, TcpState state) {
  return counts[static_cast<std::size_t>(state)];
}

/// The address family of a census count.
enum class IpFamily { v4, v6 };

struct Listener {
  bool v4 = true;
  std::array<std::uint8_t, 16> address{};
  std::uint16_t port = 0;
  std::uint32_t queue = 0;      ///< connections waiting for accept()
  std::uint32_t queue_max = 0;  ///< the backlog (0 when unknown: /proc/net/tcp)
  std::uint8_t family = 0;      ///< AF_INET or AF_INET6, as the kernel reported it
};

struct DestinationKey {
  bool v4 = true;
  std::array<std::uint8_t, 16> local{};
  std::array<std::uint8_t, 16> remote{};
  std::uint16_t remote_port = 0;
  bool operator==(const DestinationKey&) const = default;
};

struct DestinationKeyHash {
  std::size_t operator()(const DestinationKey& k) const noexcept;
};

struct Destination {
  DestinationKey key;
  StateCounts states{};
  std::uint64_t sockets = 0;  ///< sockets in the group = local ports in use toward it
};

struct PortUse {
  std::uint16_t port = 0;
  StateCounts states{};        ///< connections on a listening port (server side), LISTEN excluded
  std::uint64_t loopback = 0;  ///< of them, from a loopback peer
};

class RateTracker;

/// One of this host's own addresses (IPv4 in the first four bytes, as in SocketRecord).
struct HostAddress {
  bool v4 = true;
  std::array<std::uint8_t, 16> addr{};
};

class CensusAggregator {
 public:
  CensusAggregator();
  void add(const SocketRecord& r);
  /// Forgets the sockets (not the port range, the extra listening ports or the tracker).
  void reset();

  /// Which side a connection is on when its local port has no listener: a local port outside
  /// the ephemeral range (or reserved) talking to a remote port inside it is a server's
  /// (a listener that stopped, its TIME_WAIT still there). Default: 32768-60999.
  void set_port_range(int low, int high, const std::vector<std::pair<int, int>>& reserved);
  /// Listening ports of an earlier snapshot: their connections stay server-side.
  void add_listening_ports(const std::bitset<65536>& ports) { m_ports.get().extra_listen |= ports; }
  [[nodiscard]] const std::bitset<65536>& listening_ports() const { return m_ports.get().listen; }
  /// Every non-listening socket is also reported to `t` (null: none). Not owned.
  void set_tracker(RateTracker* t) { m_tracker = t; }
  /// This host's own addresses (live census only): a peer at one of them is this host, as a
  /// loopback peer is, when connections are told local from remote. `list` is called when a
  /// peer is first neither loopback nor known (an idle host's census never lists them).
  void set_local_addresses(std::function<std::vector<HostAddress>()> list) {
    m_list_local = std::move(list);
    m_local_addrs.reset();
  }
  /// A peer on this host: loopback, or one of the addresses set_local_addresses lists.
  [[nodiscard]] bool is_local_peer(const std::array<std::uint8_t, 16>& addr, bool v4) const;

  [[nodiscard]] const StateCounts& states(IpFamily f) const {
    return f == IpFamily::v4 ? m_v4 : m_v6;
  }
  /// IPv4 and IPv6 together, for one state (1..11).
  [[nodiscard]] std::uint64_t state_total(int state) const {
    auto i = static_cast<std::size_t>(state);
    return i < m_v4.size() ? m_v4[i] + m_v6[i] : 0;
  }
  [[nodiscard]] std::uint64_t total() const { return m_total; }
  [[nodiscard]] const std::vector<Listener>& listeners() const { return m_listeners; }
  /// Puts the IPv4 listeners first, each family in arrival order: a dump of both families in
  /// one walk lists them as a dump per family would.
  void order_listeners();
  /// Connections per listening port (server side), sorted by port.
  [[nodiscard]] std::vector<PortUse> server_ports() const;
  /// Client-side groups, largest first.
  [[nodiscard]] std::vector<Destination> destinations() const;
  /// TIME_WAIT (and orphaned FIN_WAIT2 mini-sockets, timer 3) for reconciling with sockstat.
  [[nodiscard]] std::uint64_t timewait_pool() const { return m_tw_pool; }
  [[nodiscard]] std::uint64_t orphan_fin_wait2() const { return m_orphan_fw2; }
  /// TIME_WAIT on listening ports (this host closed server-side) vs on ephemeral ports.
  [[nodiscard]] std::uint64_t server_time_wait() const { return m_server_tw; }
  [[nodiscard]] std::uint64_t client_time_wait() const { return m_client_tw; }
  [[nodiscard]] bool is_listening_port(std::uint16_t p) const {
    return m_ports.get().listen.test(p);
  }
  /// Server side: a listening port (this snapshot or an earlier one), or a non-ephemeral local
  /// port talking to an ephemeral remote port.
  [[nodiscard]] bool is_server_side(std::uint16_t local_port, std::uint16_t remote_port) const;
  /// Server-side connections (LISTEN excluded), and those of them from a peer on this host
  /// (is_local_peer).
  [[nodiscard]] std::uint64_t server_connections() const { return m_server_conns; }
  [[nodiscard]] std::uint64_t server_local() const { return m_server_local; }

 private:
  StateCounts m_v4{};
  StateCounts m_v6{};
  std::uint64_t m_total = 0;
  std::uint64_t m_tw_pool = 0;
  std::uint64_t m_orphan_fw2 = 0;
  std::uint64_t m_server_tw = 0;
  std::uint64_t m_client_tw = 0;
  std::uint64_t m_server_conns = 0;
  std::uint64_t m_server_local = 0;
  std::function<std::vector<HostAddress>()> m_list_local;
  mutable std::optional<std::vector<HostAddress>> m_local_addrs;  ///< listed at first need
  // The three port tables (24 KiB) are on the heap: a report then moves by a pointer, not by
  // a copy into fresh stack pages (bench/check: a page touched for the first time costs about
  // 10 us here). Copies copy them; a moved-from aggregator reads empty tables.
  struct PortBits {
    std::bitset<65536> listen;        ///< listening in this snapshot
    std::bitset<65536> extra_listen;  ///< listening in an earlier one
    std::bitset<65536> ephemeral;
  };
  class PortTables {
   public:
    PortTables() = default;
    PortTables(const PortTables& o)
        : m_bits(o.m_bits ? std::make_unique<PortBits>(*o.m_bits) : nullptr) {}
    PortTables(PortTables&&) noexcept = default;
    PortTables& operator=(const PortTables& o) {
      if (this != &o) m_bits = o.m_bits ? std::make_unique<PortBits>(*o.m_bits) : nullptr;
      return *this;
    }
    PortTables& operator=(PortTables&&) noexcept = default;
    ~PortTables() = default;
    PortBits& get() {
      if (!m_bits) m_bits = std::make_unique<PortBits>();
      return *m_bits;
    }
    [[nodiscard]] const PortBits& get() const;

   private:
    std::unique_ptr<PortBits> m_bits;
  };
  PortTables m_ports;
  RateTracker* m_tracker = nullptr;
  std::vector<Listener> m_listeners;
  // Server side: one row per local port in use, found through a port-indexed slot table
  // (slot = row + 1, 0 = none; only the rows' ports are cleared on reset).
  struct ServerRow {
    PortUse use;
    std::uint32_t group;  ///< the tracker's group index, k_no_group until first asked
  };
  std::vector<ServerRow> m_server;
  std::vector<std::uint32_t> m_server_slot;
  // Client side: the groups in arrival order and an open-addressing index over them (power
  // of two, at most half full; each slot holds the row + 1 and the hash's high half, so a
  // probe compares keys only when the hashes agree). Cleared, never shrunk: a second snapshot
  // reuses the first's memory.
  struct DestSlot {
    std::uint32_t row_plus_1;
    std::uint32_t hash_hi;
  };
  std::vector<Destination> m_dest;
  std::vector<std::uint32_t> m_dest_group;  ///< per row: the tracker's group index
  std::vector<DestSlot> m_dest_slots;
  /// The row of `k`'s group, added (zero counts) when new.
  std::uint32_t destination_row(const DestinationKey& k, std::uint64_t hash);
  void grow_dest_index();
};

}  // namespace tcptune
