#include "census/aggregate.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include "census/rates.hpp"

namespace tcptune {

std::size_t DestinationKeyHash::operator()(const DestinationKey& k) const noexcept {
  // The local port is not part of a destination: hashed as 0.
  return static_cast<std::size_t>(hash_endpoints(k.v4, k.local, k.remote, 0, k.remote_port));
}

CensusAggregator::CensusAggregator() {
  reset();
  set_port_range(32768, 60999, {});
}

void CensusAggregator::set_port_range(int low, int high,
                                      const std::vector<std::pair<int, int>>& reserved) {
  m_ephemeral.reset();
  for (int p = std::max(low, 1); p <= std::min(high, 65535); ++p) m_ephemeral.set(p);
  for (const auto& [lo, hi] : reserved) {
    for (int p = std::max(lo, 1); p <= std::min(hi, 65535); ++p) m_ephemeral.reset(p);
  }
}

bool CensusAggregator::is_server_side(std::uint16_t local_port, std::uint16_t remote_port) const {
  if (m_listen_ports.test(local_port) || m_extra_listen.test(local_port)) return true;
  return !m_ephemeral.test(local_port) && m_ephemeral.test(remote_port);
}

void CensusAggregator::reset() {
  m_v4 = {};
  m_v6 = {};
  m_total = m_tw_pool = m_orphan_fw2 = m_server_tw = m_client_tw = 0;
  m_server_conns = m_server_loopback = 0;
  m_listen_ports.reset();
  m_listeners.clear();
  m_server.clear();
  m_server_lo.clear();
  m_dest.clear();
  if (m_tracker != nullptr) m_tracker->restart();
}

void CensusAggregator::add(const SocketRecord& r) {
  if (r.state == 0 || r.state >= k_state_slots) return;
  ++m_total;
  ++(r.v4 ? m_v4 : m_v6)[r.state];
  const auto state = static_cast<TcpState>(r.state);
  if (state == TcpState::listen) {
    m_listen_ports.set(r.local_port);
    Listener l;
    l.v4 = r.v4;
    l.address = r.local;
    l.port = r.local_port;
    l.queue = r.rqueue;
    l.queue_max = r.wqueue;
    m_listeners.push_back(l);
    return;
  }
  if (r.timer == k_timer_timewait) {
    ++m_tw_pool;
    if (state == TcpState::fin_wait2) ++m_orphan_fw2;
  }
  if (is_server_side(r.local_port, r.remote_port)) {
    if (m_tracker != nullptr) {
      GroupKey g;
      g.server = true;
      g.dest.remote_port = r.local_port;
      m_tracker->observe(r.cookie, g, r.state);
    }
    ++m_server[r.local_port][r.state];
    ++m_server_conns;
    if (is_loopback(r.remote, r.v4)) {
      ++m_server_loopback;
      ++m_server_lo[r.local_port];
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
  if (m_tracker != nullptr) m_tracker->observe(r.cookie, GroupKey{false, k}, r.state);
  Destination& d = m_dest[k];
  if (d.sockets == 0) d.key = k;
  ++d.states[r.state];
  ++d.sockets;
}

std::vector<PortUse> CensusAggregator::server_ports() const {
  // Every listening port gets a row, with or without connections; sorted by port.
  std::map<std::uint16_t, StateCounts> ports(m_server.begin(), m_server.end());
  for (const Listener& l : m_listeners) ports.try_emplace(l.port);
  std::vector<PortUse> out;
  out.reserve(ports.size());
  for (const auto& [port, counts] : ports) {
    auto lo = m_server_lo.find(port);
    out.push_back({port, counts, lo == m_server_lo.end() ? 0 : lo->second});
  }
  return out;
}

std::vector<Destination> CensusAggregator::destinations() const {
  std::vector<Destination> out;
  out.reserve(m_dest.size());
  for (const auto& [k, d] : m_dest) out.push_back(d);
  std::sort(out.begin(), out.end(), [](const Destination& a, const Destination& b) {
    if (a.sockets != b.sockets) return a.sockets > b.sockets;
    if (a.key.remote_port != b.key.remote_port) return a.key.remote_port < b.key.remote_port;
    return std::memcmp(a.key.remote.data(), b.key.remote.data(), 16) < 0;
  });
  return out;
}

}  // namespace tcptune
