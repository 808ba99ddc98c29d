#pragma once
/// Files under a root prefix (`--root DIR`, default "/"). The only place that opens, reads and
/// lists files for the configuration side of tcptune.
///
/// Paths given to RootFs are absolute paths *inside* the root ("/etc/sysctl.d"). Symbolic
/// links are resolved inside the root as a chroot would: an absolute target is re-rooted, and
/// ".." never climbs above the root. So a fixture tree or a mounted image can never make
/// tcptune read the host's files.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "sys/safe_fs.hpp"

namespace tcptune {

/// Largest configuration file read whole; larger files are reported, not read.
inline constexpr std::size_t k_max_config_bytes = 4u << 20;  // 4 MiB

enum class EntryType { regular, directory, symlink, other };

struct DirEntry {
  std::string name;
  EntryType type = EntryType::other;  ///< lstat type (a symlink is reported as symlink)
};

/// Owner and mode of a file (after symlinks are resolved inside the root).
struct FileStat {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint32_t mode = 0;  ///< st_mode, type bits included
};

struct LinkTarget {
  std::string target;  ///< readlink() text
};

class RootFs {
 public:
  explicit RootFs(std::string root);

  [[nodiscard]] const std::string& root() const { return m_root; }
  /// Whether the root is this machine's own "/": decided by identity (the device and inode of
  /// the directory DIR names, against those of "/"), not by its spelling, so "/.", "//",
  /// "/tmp/.." and a link to "/" are the host root too. Such a root is then spelled "/".
  [[nodiscard]] bool is_host_root() const { return m_root == "/"; }

  /// The real path on this machine for an in-root absolute path ("/etc" → "DIR/etc").
  [[nodiscard]] std::string host_path(std::string_view in_root) const;

  /// Resolves symlinks inside the root (at most 40). Returns the in-root absolute path of the
  /// final file. ELOOP for a loop; ENOENT/ENOTDIR as the walk finds them.
  [[nodiscard]] Result<std::string> resolve(std::string_view in_root) const;

  /// Reads a whole regular file (after resolve()). Errors: the errno; EFBIG with a detail when
  /// the file is larger than max_bytes; EINVAL with a detail for non-regular files.
  [[nodiscard]] Result<std::string> read_file(std::string_view in_root,
                                              std::size_t max_bytes = k_max_config_bytes) const;

  /// Lists a directory (after resolve()), sorted by name, without "." and "..".
  [[nodiscard]] Result<std::vector<DirEntry>> list_dir(std::string_view in_root) const;

  /// lstat() type of an in-root path, without following the last component.
  [[nodiscard]] Result<EntryType> entry_type(std::string_view in_root) const;

  /// readlink() of an in-root path.
  [[nodiscard]] Result<std::string> read_link(std::string_view in_root) const;

  /// stat() of an in-root path after resolve(); for the root itself, the root directory.
  [[nodiscard]] Result<FileStat> stat(std::string_view in_root) const;

  /// Whether the in-root path exists after resolution and is a directory.
  [[nodiscard]] bool is_directory(std::string_view in_root) const;

  /// Opens an in-root path for reading, links resolved inside the root by the kernel
  /// (open_read_in_root()); the error names the host path.
  [[nodiscard]] Result<UniqueFd> open_read(std::string_view in_root, int flags) const;

 private:
  [[nodiscard]] std::string parent_resolved(std::string_view in_root) const;
  [[nodiscard]] Result<std::string> read_link_direct(const std::string& host) const;
  std::string m_root;
};

/// Reads a file given on the command line (a plain path, not under the root). Same limits.
Result<std::string> read_plain_file(const std::string& path,
                                    std::size_t max_bytes = k_max_config_bytes);

/// Lists the *.conf (or *SUFFIX) files of a directory given on the command line, sorted by name.
Result<std::vector<std::string>> list_conf_files(const std::string& dir,
                                                 std::string_view suffix = ".conf");

/// Writes a whole file given on the command line (created 0644, truncated).
Result<void> write_plain_file(const std::string& path, const std::string& data);

/// True when the plain path is /dev/null or a symbolic link resolving to it (a sysctl.d mask).
bool is_dev_null(const std::string& path);

/// True when the plain path is a directory.
bool is_plain_directory(const std::string& path);

}  // namespace tcptune
