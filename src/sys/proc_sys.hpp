#pragma once
/// /proc/sys under a root prefix, and the kernel release.

#include <optional>
#include <string>

#include "core/key_source.hpp"
#include "sys/root_fs.hpp"

namespace tcptune {

class ProcSys final : public KeySource {
 public:
  /// Resolves DIR/proc/sys inside the root: a fixture's proc/sys (or any directory below it,
  /// such as proc/sys/net) that is a symbolic link to the host's /proc/sys is followed as a
  /// chroot would, never to the host. Every read, listing and existence test opens its path
  /// with openat2 RESOLVE_IN_ROOT (a component walk on kernels before 5.6).
  explicit ProcSys(const RootFs& fs);

  /// Whether there is a /proc/sys tree to look at (a live kernel or a captured fixture).
  [[nodiscard]] bool available() const;

  KeyRead read(std::string_view path) const override;
  bool exists(std::string_view path) const override;
  std::vector<std::string> list(std::string_view dir) const override;
  std::vector<std::string> glob(std::string_view pattern, std::size_t limit) const override;

  /// Writes a value (one write(2) of VALUE + "\n") to a key, the path resolved inside the
  /// root and never through a symbolic link. The kernel's refusal is the errno (EINVAL for a
  /// value out of range, EACCES for a read-only key, EPERM without privilege).
  [[nodiscard]] Result<void> write(std::string_view path, const std::string& value) const;
  /// Writes exactly `bytes` (a restore of what was read).
  [[nodiscard]] Result<void> write_raw(std::string_view path, const std::string& bytes) const;

  /// Whether the key's mode lets its owner (root) write it; true when it cannot be told (the
  /// write itself then decides). A captured tree keeps the modes of the kernel's files.
  [[nodiscard]] bool writable(std::string_view path) const;

  /// Whether the /proc/sys tree is on a read-only mount (a container's usual /proc/sys).
  [[nodiscard]] bool read_only() const;

 private:
  [[nodiscard]] std::string host(std::string_view path) const;
  /// Opens proc/sys/PATH, every link resolved inside the root; the error names the host path.
  [[nodiscard]] Result<UniqueFd> open_key(std::string_view path, int flags) const;
  /// Whether an opened key is a file a value can be read from and written to.
  [[nodiscard]] bool key_file(int fd) const;
  const RootFs& m_fs;
  UniqueFd m_root_fd;     ///< the root directory (O_PATH), for openat2 RESOLVE_IN_ROOT
  UniqueFd m_sys_fd;      ///< the resolved proc/sys (O_PATH): keys open below it when linkless
  std::string m_in_root;  ///< in-root path of the resolved proc/sys ("/proc/sys")
  std::string m_base;     ///< host path of the resolved proc/sys, "" when there is none
};

/// The kernel release: uname(2) for the root "/", else DIR/proc/sys/kernel/osrelease.
/// nullopt when it cannot be found.
std::optional<std::string> kernel_release(const RootFs& fs);

}  // namespace tcptune
