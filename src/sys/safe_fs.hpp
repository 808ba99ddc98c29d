#pragma once
/// File descriptor based access under a root prefix, for everything tcptune *writes*.
///
/// Every path is resolved by the kernel inside the root (openat2 with RESOLVE_IN_ROOT,
/// RESOLVE_NO_SYMLINKS and RESOLVE_NO_MAGICLINKS): ".." can never lead out of the root, a path
/// with a symbolic link in it is refused (ELOOP), and there is no window between checking a
/// path and opening it. The last component of a file tcptune
/// writes is never followed (O_NOFOLLOW), and files are replaced atomically with renameat2()
/// (RENAME_NOREPLACE, or RENAME_EXCHANGE with a check of what was swapped out), so a file that
/// appears or is swapped between the check and the rename is noticed and put back.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tcptune {

/// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : m_fd(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : m_fd(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  [[nodiscard]] int get() const { return m_fd; }
  [[nodiscard]] bool valid() const { return m_fd >= 0; }
  int release() {
    int f = m_fd;
    m_fd = -1;
    return f;
  }

 private:
  int m_fd = -1;
};

/// Opens an in-root absolute path ("/etc/sysctl.d") with `flags` (O_CLOEXEC is added), every
/// component resolved inside `root`. The error names the host path.
Result<UniqueFd> open_in_root(const std::string& root, std::string_view in_root, int flags,
                              mode_t mode = 0);

/// Opens the root directory itself (O_PATH), for the *_in_root functions that take a root fd.
Result<UniqueFd> open_root_dir(const std::string& root);

/// Opens an in-root absolute path for *reading*. Unlike open_in_root(), symbolic links are
/// followed, but the kernel resolves them inside the root as a chroot would (openat2 with
/// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): an absolute target is re-rooted and ".." stops at
/// the root, so a fixture whose proc/sys/net is a link to "/proc/sys/net" reads the fixture's
/// own files, never the host's. On kernels without openat2 (before 5.6) the path is resolved
/// inside the root component by component (RootFs::resolve) and the result opened without
/// following any link, so a link swapped in meanwhile fails with ELOOP. With O_NOFOLLOW in
/// `flags` the last component is not followed (a link there: ELOOP, or the link itself with
/// O_PATH). `rootfd` comes from open_root_dir(root); the error names the host path.
Result<UniqueFd> open_read_in_root(int rootfd, const std::string& root, std::string_view in_root,
                                   int flags);

/// Opens `rel` below the directory `dirfd` with no symbolic link anywhere on the way and no
/// escape from it (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS); O_CLOEXEC is added. A fast
/// path for trees that have no links, such as a live /proc/sys: -1 with errno ELOOP (a link),
/// EXDEV (an absolute path, a ".." above `dirfd`, or a path too long or with a NUL byte for
/// this fast path) or ENOSYS (no openat2, or the tests' set_openat2_missing) tells the caller
/// to resolve the path the general way instead.
int open_beneath_linkless(int dirfd, std::string_view rel, int flags);

namespace testing {
/// Makes open_read_in_root() behave as on a kernel without openat2 (ENOSYS), for the tests of
/// the fallback walk. Not reachable from the command line or the environment.
void set_openat2_missing(bool missing);
}  // namespace testing

/// Opens the directory `in_root`, creating it and its missing parents with `mode` (for
/// var/lib/tcptune, run). Returned open O_RDONLY|O_DIRECTORY, usable for *at() and fsync().
Result<UniqueFd> ensure_dir_in_root(const std::string& root, std::string_view in_root, mode_t mode);

/// The identity of a directory entry (lstat, without following it).
struct EntryId {
  dev_t dev = 0;
  ino_t ino = 0;
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  nlink_t nlink = 1;  ///< hard links (apply --fix-files refuses to split them)
  [[nodiscard]] bool is_regular() const;
  [[nodiscard]] bool is_symlink() const;
  /// The same inode, of the same type: an inode number freed by a removal is often reused at
  /// once (a file removed and a symbolic link created in its place can share it).
  [[nodiscard]] bool same_file(const EntryId& o) const {
    return dev == o.dev && ino == o.ino && ((mode ^ o.mode) & 0170000) == 0;
  }
};

/// lstat() of `name` in the directory `dirfd`; nullopt when there is no such entry, an error
/// for anything else.
Result<std::optional<EntryId>> entry_at(int dirfd, const std::string& name,
                                        const std::string& shown);

/// Reads a regular file `name` in `dirfd` without following a symbolic link, and checks it is
/// still the entry `expected` (when given). At most `max_bytes`.
Result<std::string> read_at(int dirfd, const std::string& name, const std::string& shown,
                            std::size_t max_bytes, const std::optional<EntryId>& expected);

/// What the target of an atomic replacement must be when the rename happens.
struct Expect {
  enum class Kind { absent, same_file, anything } kind = Kind::anything;
  EntryId id;  ///< for same_file
};

/// Writes `data` to `name` in `dirfd` atomically: a temporary file in the same directory
/// (O_EXCL, O_NOFOLLOW, mode `mode` whatever the umask), fsync, renameat2, fsync of the
/// directory. `expect` says what `name` must be at the moment of the rename (absent: a file
/// that appeared meanwhile is left alone; same_file: an entry swapped meanwhile is put back).
/// On any error the temporary file is removed and `name` is as it was. With `owner`, the
/// temporary file is given that owner and group before the rename (apply --fix-files keeps the
/// owner of a file it edits).
struct FileOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};
Result<void> replace_at(int dirfd, const std::string& name, const std::string& data, mode_t mode,
                        const Expect& expect, const std::string& shown,
                        const std::optional<FileOwner>& owner = std::nullopt);

/// Removes the temporary files replace_at() leaves behind when the process dies mid-way
/// (".NAME.tcptune-PID-RANDOM", regular files only).
void remove_temp_files(int dirfd, const std::string& name);

/// Removes every temporary file of replace_at() in `dirfd` (".NAME.tcptune-PID-RANDOM",
/// regular files only) whose writer PID no longer runs: left by a kill in the middle of a
/// write. Call it under the lock. Returns how many were removed.
int remove_dead_temp_files(int dirfd);

/// Removes `name` from `dirfd` when it is still the entry `expected`, then fsyncs the directory.
Result<void> remove_at(int dirfd, const std::string& name, const EntryId& expected,
                       const std::string& shown);

/// An exclusive advisory lock on a file (flock), held until destruction.
class FileLock {
 public:
  /// Tries for up to `wait`; on success writes our pid into the file. When another process
  /// holds it: EWOULDBLOCK, with the holder's pid (from the file) in `holder`.
  static Result<FileLock> acquire(const std::string& root, std::string_view in_root,
                                  std::chrono::milliseconds wait, long* holder);
  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;
  ~FileLock() = default;  ///< closing the descriptor releases the lock

 private:
  explicit FileLock(UniqueFd fd) : m_fd(std::move(fd)) {}
  UniqueFd m_fd;
};

}  // namespace tcptune
