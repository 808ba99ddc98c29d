#pragma once
/// What the engine may ask about the running kernel's /proc/sys, without doing I/O itself.
/// src/sys implements it over a root prefix; tests implement it in memory.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace tcptune {

enum class KeyStatus {
  value,   ///< read: `value` holds the text with surrounding whitespace removed
  absent,  ///< not present on this kernel (no such /proc/sys file)
  error,   ///< present (or unknown) but could not be read: see `error`
};

struct KeyRead {
  KeyStatus status = KeyStatus::absent;
  std::string value;
  std::string raw;  ///< the bytes as read, before trimming (restores write them back exactly)
  SysError error;
};

class KeySource {
 public:
  virtual ~KeySource() = default;
  /// Reads one key by its relative /proc/sys path ("net/ipv4/tcp_tw_reuse").
  virtual KeyRead read(std::string_view path) const = 0;
  /// Whether the key exists (a file under /proc/sys), readable or not.
  virtual bool exists(std::string_view path) const = 0;
  /// Entry names in a /proc/sys directory ("" = the top), empty when it does not exist.
  virtual std::vector<std::string> list(std::string_view dir) const = 0;
  /// Relative paths of the keys (files) matching a glob pattern path, sorted; at most `limit`.
  virtual std::vector<std::string> glob(std::string_view pattern,
                                        std::size_t limit = 100000) const = 0;
};

}  // namespace tcptune
