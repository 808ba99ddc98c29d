#include "census/aggregate.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "census/rates.hpp"

namespace tcptune {

std::size_t DestinationKeyHash::operator()(const DestinationKey& k) const noexcept {
  // The local port is not part of a destination: hashed as 0.
  return static_cast<std::size_t>(hash_endpoints(k.v4, k.local, k.remote, 0, k.remote_port));
}

const CensusAggregator::PortBits& CensusAggregator::PortTables::get() const {
  static const PortBits empty;
  return m_bits ? *m_bits : empty;
}

CensusAggregator::CensusAggregator() {
  reset();
  set_port_range(32768, 60999, {});
}

void CensusAggregator::set_port_range(int low, int high,
                                      const std::vector<std::pair<int, int>>& reserved) {
  // Ports lo..hi (clipped to 1..65535) as a mask, by two shifts of 1,024 words instead of a
  // loop over up to 65,535 ports (twice per census: the default range, then the kernel's).
  auto ports = [](int lo, int hi) {
    std::bitset<65536> m;
    lo = std::max(lo, 1);
    hi = std::min(hi, 65535);
    if (lo > hi) return m;
    m.set();
    m >>= static_cast<std::size_t>(65536 - (hi - lo + 1));
    m <<= static_cast<std::size_t>(lo);
    return m;
  };
  std::bitset<65536>& ephemeral = m_ports.get().ephemeral;
  ephemeral = ports(low, high);
  for (const auto& [lo, hi] : reserved) ephemeral &= ~ports(lo, hi);
}

bool CensusAggregator::is_server_side(std::uint16_t local_port, std::uint16_t remote_port) const {
  const PortBits& bits = m_ports.get();
  if (bits.listen.test(local_port) || bits.extra_listen.test(local_port)) return true;
  return !bits.ephemeral.test(local_port) && bits.ephemeral.test(remote_port);
}

namespace {
constexpr std::uint32_t k_no_group = 0xffffffffu;

// DestinationKey equality in 64-bit words (the defaulted operator== calls memcmp per array).
inline bool same_key(const DestinationKey& a, const DestinationKey& b) {
  if (a.v4 != b.v4 || a.remote_port != b.remote_port) return false;
  std::uint64_t x[4];
  std::uint64_t y[4];
  std::memcpy(x, a.local.data(), 16);
  std::memcpy(x + 2, a.remote.data(), 16);
  std::memcpy(y, b.local.data(), 16);
  std::memcpy(y + 2, b.remote.data(), 16);
  return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}
}  // namespace

bool CensusAggregator::is_local_peer(const std::array<std::uint8_t, 16>& addr, bool v4) const {
  if (is_loopback(addr, v4)) return true;
  if (!m_local_addrs) m_local_addrs = m_list_local ? m_list_local() : std::vector<HostAddress>{};
  const std::size_t n = v4 ? 4 : 16;
  return std::any_of(m_local_addrs->begin(), m_local_addrs->end(), [&](const HostAddress& h) {
    return h.v4 == v4 && std::memcmp(h.addr.data(), addr.data(), n) == 0;
  });
}

void CensusAggregator::reset() {
  m_v4 = {};
  m_v6 = {};
  m_total = m_tw_pool = m_orphan_fw2 = m_server_tw = m_client_tw = 0;
  m_server_conns = m_server_local = 0;
  m_ports.get().listen.reset();
  m_listeners.clear();
  for (const ServerRow& row : m_server) m_server_slot[row.use.port] = 0;
  m_server.clear();
  m_dest.clear();
  m_dest_group.clear();
  std::fill(m_dest_slots.begin(), m_dest_slots.end(), DestSlot{0, 0});
  if (m_tracker != nullptr) m_tracker->restart();
}

void CensusAggregator::grow_dest_index() {
  std::size_t size = m_dest_slots.empty() ? 64 : m_dest_slots.size() * 2;
  m_dest_slots.assign(size, DestSlot{0, 0});
  const std::size_t mask = size - 1;
  for (std::size_t row = 0; row < m_dest.size(); ++row) {
    std::uint64_t h = DestinationKeyHash{}(m_dest[row].key);
    std::size_t i = static_cast<std::size_t>(h) & mask;
    while (m_dest_slots[i].row_plus_1 != 0) i = (i + 1) & mask;
    m_dest_slots[i] = {static_cast<std::uint32_t>(row + 1), static_cast<std::uint32_t>(h >> 32)};
  }
}

std::uint32_t CensusAggregator::destination_row(const DestinationKey& k, std::uint64_t hash) {
  if (2 * (m_dest.size() + 1) > m_dest_slots.size()) grow_dest_index();
  const std::size_t mask = m_dest_slots.size() - 1;
  const auto hi = static_cast<std::uint32_t>(hash >> 32);
  std::size_t i = static_cast<std::size_t>(hash) & mask;
  while (true) {
    DestSlot& slot = m_dest_slots[i];
    if (slot.row_plus_1 == 0) {
      slot = {static_cast<std::uint32_t>(m_dest.size() + 1), hi};
      m_dest.emplace_back().key = k;
      m_dest_group.push_back(k_no_group);
      return slot.row_plus_1 - 1;
    }
    if (slot.hash_hi == hi && same_key(m_dest[slot.row_plus_1 - 1].key, k))
      return slot.row_plus_1 - 1;
    i = (i + 1) & mask;
  }
}

void CensusAggregator::add(const SocketRecord& r) {
  if (r.state == 0 || r.state >= k_state_slots) return;
  ++m_total;
  ++(r.v4 ? m_v4 : m_v6)[r.state];
  const auto state = static_cast<TcpState>(r.state);
  if (state == TcpState::listen) {
    m_ports.get().listen.set(r.local_port);
    Listener l;
    l.v4 = r.v4;
    l.address = r.local;
    l.port = r.local_port;
    l.queue = r.rqueue;
    l.queue_max = r.wqueue;
    l.family = r.family;
    m_listeners.push_back(l);
    return;
  }
  if (r.timer == k_timer_timewait) {
    ++m_tw_pool;
    if (state == TcpState::fin_wait2) ++m_orphan_fw2;
  }
  if (is_server_side(r.local_port, r.remote_port)) {
    if (m_server_slot.empty()) m_server_slot.assign(65536, 0);
    std::uint32_t& slot = m_server_slot[r.local_port];
    if (slot == 0) {
      m_server.push_back({PortUse{r.local_port, {}, 0}, k_no_group});
      slot = static_cast<std::uint32_t>(m_server.size());
    }
    ServerRow& row = m_server[slot - 1];
    if (m_tracker != nullptr) {
      if (row.group == k_no_group) row.group = m_tracker->group(server_group(r.local_port));
      m_tracker->observe_group(r.cookie, row.group, r.state);
    }
    ++row.use.states[r.state];
    ++m_server_conns;
    if (is_local_peer(r.remote, r.v4)) {
      ++m_server_local;
      ++row.use.loopback;
    }
    if (state == TcpState::time_wait) ++m_server_tw;
    return;
  }
  if (state == TcpState::time_wait) ++m_client_tw;
  DestinationKey k;
  k.v4 = r.v4;
  k.local = r.local;
  k.remote = r.remote;
  k.remote_port = r.remote_port;
  const std::uint32_t row = destination_row(k, DestinationKeyHash{}(k));
  Destination& d = m_dest[row];
  ++d.states[r.state];
  ++d.sockets;
  if (m_tracker != nullptr) {
    std::uint32_t& group = m_dest_group[row];
    if (group == k_no_group) group = m_tracker->group(client_group(k));
    m_tracker->observe_group(r.cookie, group, r.state);
  }
}

void CensusAggregator::order_listeners() {
  std::stable_partition(m_listeners.begin(), m_listeners.end(),
                        [](const Listener& l) { return l.family != AF_INET6; });
}

std::vector<PortUse> CensusAggregator::server_ports() const {
  // Every listening port gets a row, with or without connections; sorted by port.
  std::vector<PortUse> out;
  out.reserve(m_server.size() + m_listeners.size());
  for (const ServerRow& row : m_server) out.push_back(row.use);
  for (const Listener& l : m_listeners) {
    if (m_server_slot.empty() || m_server_slot[l.port] == 0) out.push_back({l.port, {}, 0});
  }
  std::sort(out.begin(), out.end(),
            [](const PortUse& a, const PortUse& b) { return a.port < b.port; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const PortUse& a, const PortUse& b) { return a.port == b.port; }),
            out.end());
  return out;
}

std::vector<Destination> CensusAggregator::destinations() const {
  std::vector<Destination> out(m_dest);
  std::sort(out.begin(), out.end(), [](const Destination& a, const Destination& b) {
    if (a.sockets != b.sockets) return a.sockets > b.sockets;
    if (a.key.remote_port != b.key.remote_port) return a.key.remote_port < b.key.remote_port;
    return std::memcmp(a.key.remote.data(), b.key.remote.data(), 16) < 0;
  });
  return out;
}

}  // namespace tcptune
