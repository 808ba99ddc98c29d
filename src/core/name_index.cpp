#include "core/name_index.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "core/text_util.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tcptune {

namespace {

std::string_view top_of(std::string_view n) { return n.substr(0, n.find('.')); }

std::size_t kind_of(char c) {
  if (c >= 'a' && c <= 'z') return static_cast<std::size_t>(c - 'a');
  if (c >= '0' && c <= '9') return 26 + static_cast<std::size_t>(c - '0');
  if (c == '_') return 36;
  if (c == '.') return 37;
  if (c == '-') return 38;
  return 39;
}

void count(std::string_view s, NameIndex::Counts& out) {
  out.fill(0);
  for (char c : s) {
    std::uint8_t& n = out[kind_of(c)];
    if (n < 255) ++n;
  }
  out.back() = static_cast<std::uint8_t>(std::min<std::size_t>(s.size(), 255));
}

// The sum over the bytes of |a - b|: for two names, the characters one has more of each kind
// than the other (extra + lacking) plus the difference of their lengths. An edit removes at
// most one of `extra` and one of `lacking`, so the edit distance is at least max(extra,
// lacking) = (extra + lacking + |length difference|) / 2: at least half of this sum. (A count
// or a length cut at 255 only makes the sum smaller: still a lower bound.)
std::size_t difference(const NameIndex::Counts& a, const NameIndex::Counts& b) {
#if defined(__SSE2__)
  __m128i sum = _mm_setzero_si128();
  for (std::size_t k = 0; k < NameIndex::k_count_bytes; k += 16) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a.data() + k));
    __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.data() + k));
    sum = _mm_add_epi64(sum, _mm_sad_epu8(x, y));
  }
  return static_cast<std::size_t>(_mm_cvtsi128_si32(sum)) +
         static_cast<std::size_t>(_mm_extract_epi16(sum, 4));
#else
  std::size_t sum = 0;
  for (std::size_t k = 0; k < NameIndex::k_count_bytes; ++k)
    sum += a[k] > b[k] ? a[k] - b[k] : b[k] - a[k];
  return sum;
#endif
}

using Order = std::pair<std::string_view, std::size_t>;  // first component, length

Order order_of(std::string_view n) { return {top_of(n), n.size()}; }

}  // namespace

NameIndex::NameIndex(std::vector<std::string> names) : m_names(std::move(names)) {
  std::sort(m_names.begin(), m_names.end(), [](const std::string& a, const std::string& b) {
    return std::make_tuple(top_of(a), a.size(), std::string_view(a)) <
           std::make_tuple(top_of(b), b.size(), std::string_view(b));
  });
  m_names.erase(std::unique(m_names.begin(), m_names.end()), m_names.end());
  m_counts.resize(m_names.size());
  for (std::size_t i = 0; i < m_names.size(); ++i) count(m_names[i], m_counts[i]);
}

std::string_view NameIndex::closest(std::string_view key, std::size_t allowed) const {
  const std::string_view top = top_of(key);
  auto at = [&](std::size_t length) {
    auto it = std::lower_bound(
        m_names.begin(), m_names.end(), Order{top, length},
        [](const std::string& n, const Order& want) { return order_of(n) < want; });
    return static_cast<std::size_t>(it - m_names.begin());
  };
  // The names with the same first component and a length within `allowed` of the key's.
  const std::size_t start = at(key.size() > allowed ? key.size() - allowed : 0);
  const std::size_t stop = at(key.size() + allowed + 1);
  if (start == stop) return {};
  Counts mine;
  count(key, mine);
  std::size_t best = allowed + 1;
  std::string_view best_name;
  for (std::size_t i = start; i < stop; ++i) {
    const std::size_t bound = std::min(allowed, best);
    if (difference(mine, m_counts[i]) > 2 * bound) continue;
    const std::string& name = m_names[i];
    if (name == key) continue;
    // The first found of equally close names is the shorter, or the first in byte order.
    std::size_t d = edit_distance_within(key, name, bound);
    if (d < best && d <= allowed) {
      best = d;
      best_name = name;
    }
  }
  return best_name;
}

}  // namespace tcptune
