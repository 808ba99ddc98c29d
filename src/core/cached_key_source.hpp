#pragma once
/// A KeySource that asks the one it wraps once per path: what `lint` and `config` read of
/// /proc/sys while they walk a sysctl.d set. A file that names a key a hundred thousand times
/// (or a hundred thousand keys that do not exist) asked the kernel on every line, three system
/// calls each: 0.4 s of a 100,000-line lint. The answers are one snapshot of the kernel taken as
/// the run goes, which is also what a judgement of one set should see.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/key_source.hpp"

namespace tcptune {

class CachedKeySource final : public KeySource {
 public:
  /// `writable` (may be empty: every key is writable) is the wrapped source's mode test.
  explicit CachedKeySource(const KeySource& inner,
                           std::function<bool(const std::string&)> writable = {})
      : m_inner(inner), m_writable(std::move(writable)) {}

  KeyRead read(std::string_view path) const override;
  /// A path whose name its directory's listing lacks (or whose directory is itself missing
  /// so) is answered from the listings, one per directory: a file of 25,000 misspelt keys in
  /// net/ipv4 lists net/ipv4 once instead of opening 25,000 paths. Every other path is asked
  /// of the wrapped source.
  bool exists(std::string_view path) const override;
  /// Sorted by name (as ProcSys lists them).
  std::vector<std::string> list(std::string_view dir) const override;
  std::vector<std::string> glob(std::string_view pattern, std::size_t limit) const override;
  /// Whether root may write the key (the wrapped test, once per path).
  [[nodiscard]] bool writable(const std::string& path) const;

 private:
  // Looked up by a view: an entry's path is a view into its file, and a hit copies nothing.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  template <typename T>
  using Map = std::unordered_map<std::string, T, Hash, std::equal_to<>>;

  // Whether the listings show that nothing is at `path` (see exists()), a path of plain names.
  [[nodiscard]] bool surely_absent(std::string_view path) const;
  // A directory's listing, sorted, asked of the wrapped source once.
  [[nodiscard]] const std::vector<std::string>& listing(std::string_view dir) const;

  const KeySource& m_inner;
  std::function<bool(const std::string&)> m_writable;
  mutable Map<KeyRead> m_reads;
  mutable Map<bool> m_exists;
  mutable Map<bool> m_writable_of;
  mutable Map<std::vector<std::string>> m_lists;  ///< sorted
  struct GlobAnswer {
    std::size_t limit = 0;
    std::vector<std::string> paths;
  };
  mutable Map<GlobAnswer> m_globs;
};

}  // namespace tcptune
