#pragma once
/// The "did you mean" search over a fixed set of dotted names. The names are sorted by first
/// component, then length, then bytes, so that the names a key can be close to (the same first
/// component, a length within the bound) are one run of the list; each name keeps the count of
/// each kind of character it has and its length, from which a lower bound of the edit distance
/// is computed with a few vector instructions before the distance itself.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tcptune {

class NameIndex {
 public:
  NameIndex() = default;
  explicit NameIndex(std::vector<std::string> names);

  /// The name closest to `key` by optimal-string-alignment distance (edit_distance), at most
  /// `allowed` edits away, among the names with the same first dotted component as `key`
  /// (everything before the first '.'); `key` itself is never the answer. Of equally close
  /// names the shorter wins, then the first in byte order. "" when none is that close.
  /// No allocation once edit_distance_within's per-thread buffer has grown.
  [[nodiscard]] std::string_view closest(std::string_view key, std::size_t allowed) const;

  [[nodiscard]] std::size_t size() const { return m_names.size(); }

  /// Counts of the character kinds a-z, 0-9, '_', '.', '-' and anything else (40 bytes), six
  /// zero bytes and the length in the last one (each at most 255): three 16-byte vectors.
  static constexpr std::size_t k_count_bytes = 48;
  using Counts = std::array<std::uint8_t, k_count_bytes>;

 private:
  std::vector<std::string> m_names;  // by (first component, length, bytes), unique
  std::vector<Counts> m_counts;      // of each name
};

}  // namespace tcptune
