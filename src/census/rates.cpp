#include "census/rates.hpp"

#include <algorithm>

#include "census/socket_record.hpp"

namespace tcptune {

bool is_open_state(std::uint8_t state) {
  return state == static_cast<std::uint8_t>(TcpState::established) ||
         state == static_cast<std::uint8_t>(TcpState::syn_sent) ||
         state == static_cast<std::uint8_t>(TcpState::syn_recv);
}

std::uint32_t RateTracker::group_of(const GroupKey& g) {
  auto [it, added] = m_index.try_emplace(g, static_cast<std::uint32_t>(m_counts.size()));
  if (added) m_counts.emplace_back();
  return it->second;
}

void RateTracker::observe_group(std::uint64_t cookie, std::uint32_t g, std::uint8_t state) {
  if (!m_compare) {
    ++m_counts[g].before;
    if (is_open_state(state)) ++m_counts[g].open_before;
    m_base.push_back({cookie, g, state, 0});
    return;
  }
  GroupCounts& c = m_counts[g];
  ++c.after;
  if (is_open_state(state)) ++c.open_after;
  if (Entry* e = find_base(cookie)) {
    e->seen = 1;
    if (is_open_state(e->state) && !is_open_state(state)) ++c.closes;
    return;
  }
  ++c.connects;
  if (!is_open_state(state)) ++c.closes;
}

// The kernel hands out socket cookies from one counter, the first time a socket's cookie is
// asked for (here: the first dump that meets it), and dumps its tables in the same bucket order
// each time. So the second snapshot meets the first one's sockets mostly in cookie order: the
// entry after the last one found is checked first, with a few after it (sockets that closed in
// between), before a binary search. A cookie above the first snapshot's largest is new.
RateTracker::Entry* RateTracker::find_base(std::uint64_t cookie) {
  if (m_base.empty() || cookie > m_base.back().cookie) return nullptr;
  const std::size_t n = m_base.size();
  for (std::size_t i = m_cursor; i < n && i < m_cursor + 4; ++i) {
    if (m_base[i].cookie == cookie) {
      m_cursor = i + 1;
      return &m_base[i];
    }
    if (m_base[i].cookie > cookie) break;
  }
  auto it = std::lower_bound(m_base.begin(), m_base.end(), cookie,
                             [](const Entry& e, std::uint64_t k) { return e.cookie < k; });
  if (it == m_base.end() || it->cookie != cookie) return nullptr;
  m_cursor = static_cast<std::size_t>(it - m_base.begin()) + 1;
  return &*it;
}

void RateTracker::restart() {
  if (!m_compare) {
    m_base.clear();
    m_index.clear();
    m_counts.clear();
    return;
  }
  for (Entry& e : m_base) e.seen = 0;
  for (GroupCounts& c : m_counts) c.connects = c.closes = c.after = c.open_after = 0;
  m_cursor = 0;
}

void RateTracker::end_baseline() {
  // Often already in cookie order (see find_base): then one pass instead of a sort.
  auto by_cookie = [](const Entry& a, const Entry& b) { return a.cookie < b.cookie; };
  if (!std::is_sorted(m_base.begin(), m_base.end(), by_cookie))
    std::sort(m_base.begin(), m_base.end(), by_cookie);
  m_cursor = 0;
  m_compare = true;
}

void RateTracker::end_compare() {
  for (const Entry& e : m_base) {
    // Gone while open: it closed in the window. A request socket (SYN_RECV) that is gone became
    // a full socket with an identity of its own (counted as new) or was dropped: neither is a
    // close of an established connection.
    if (e.seen == 0 && is_open_state(e.state) &&
        e.state != static_cast<std::uint8_t>(TcpState::syn_recv)) {
      ++m_counts[e.group].closes;
    }
  }
  m_base.clear();
  m_base.shrink_to_fit();
}

}  // namespace tcptune
