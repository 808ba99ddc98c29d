#pragma once
/// /proc/sys under a root prefix, and the kernel release.

#include <optional>
#include <string>

#include "core/key_source.hpp"
#include "sys/root_fs.hpp"

namespace tcptune {

class ProcSys final : public KeySource {
 public:
  explicit ProcSys(const RootFs& fs) : m_fs(fs) {}

  /// Whether there is a /proc/sys tree to look at (a live kernel or a captured fixture).
  [[nodiscard]] bool available() const;

  KeyRead read(std::string_view path) const override;
  bool exists(std::string_view path) const override;
  std::vector<std::string> list(std::string_view dir) const override;
  std::vector<std::string> glob(std::string_view pattern, std::size_t limit) const override;

 private:
  [[nodiscard]] std::string host(std::string_view path) const;
  const RootFs& m_fs;
};

/// The kernel release: uname(2) for the root "/", else DIR/proc/sys/kernel/osrelease.
/// nullopt when it cannot be found.
std::optional<std::string> kernel_release(const RootFs& fs);

}  // namespace tcptune
