#include "sys/safe_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "core/text_util.hpp"
#include "sys/root_fs.hpp"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

namespace tcptune {

namespace {

std::string host_path(const std::string& root, std::string_view in_root) {
  return RootFs(root).host_path(in_root);
}

// The in-root path relative to the root directory ("/etc/sysctl.d" -> "etc/sysctl.d").
std::string relative(std::string_view in_root) {
  std::size_t i = 0;
  while (i < in_root.size() && in_root[i] == '/') ++i;
  std::string r(in_root.substr(i));
  return r.empty() ? "." : r;
}

long sys_openat2(int dirfd, const char* path, open_how* how) {
  return ::syscall(SYS_openat2, dirfd, path, how, sizeof(open_how));
}

int sys_renameat2(int olddir, const char* oldname, int newdir, const char* newname,
                  unsigned flags) {
  return static_cast<int>(::syscall(SYS_renameat2, olddir, oldname, newdir, newname, flags));
}

// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS), or on kernels without it (< 5.6) a component
// walk that refuses every symbolic link: the same rule either way. tcptune writes only through
// real directories, so that what it writes is exactly the path systemd-sysctl and the journal
// reader see, and a directory swapped for a link between check and write fails with ELOOP.
int open_beneath(int rootfd, const std::string& rel, int flags, mode_t mode) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd = sys_openat2(rootfd, rel.c_str(), &how);
  if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
  std::vector<std::string_view> parts;
  for (std::string_view p : split(rel, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      errno = EXDEV;
      return -1;
    }
    parts.push_back(p);
  }
  if (parts.empty()) return ::openat(rootfd, ".", flags | O_CLOEXEC, mode);
  int cur = ::dup(rootfd);
  if (cur < 0) return -1;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    int next =
        ::openat(cur, std::string(parts[i]).c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    ::close(cur);
    if (next < 0) {
      errno = err;
      return -1;
    }
    cur = next;
  }
  int out = ::openat(cur, std::string(parts.back()).c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
  int err = errno;
  ::close(cur);
  errno = err;
  return out;
}

Result<UniqueFd> open_root(const std::string& root) { return open_root_dir(root); }

bool g_openat2_missing = false;  // testing::set_openat2_missing()

Result<void> fsync_dir(int dirfd, const std::string& shown) {
  if (::fsync(dirfd) != 0) return SysError{errno, shown, "fsync of the directory"};
  return {};
}

std::string temp_name(const std::string& name) {
  static std::mt19937_64 rng{std::random_device{}()};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(rng() & 0xffffffffu));
  return "." + name + ".tcptune-" + std::to_string(::getpid()) + "-" + buf;
}

EntryId id_of(const struct stat& st) {
  EntryId id;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.mode = st.st_mode;
  id.uid = st.st_uid;
  id.gid = st.st_gid;
  id.nlink = st.st_nlink;
  return id;
}

Result<void> write_all(int fd, const std::string& data, const std::string& shown) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError{errno, shown, ""};
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = o.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (m_fd >= 0) ::close(m_fd);
}

bool EntryId::is_regular() const { return S_ISREG(mode); }
bool EntryId::is_symlink() const { return S_ISLNK(mode); }

Result<UniqueFd> open_root_dir(const std::string& root) {
  int fd = ::open(root.empty() ? "/" : root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return SysError{errno, root, ""};
  return UniqueFd(fd);
}

Result<UniqueFd> open_read_in_root(int rootfd, const std::string& root, std::string_view in_root,
                                   int flags) {
  const bool follow_last = (flags & O_NOFOLLOW) == 0;
  if (!g_openat2_missing) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd = sys_openat2(rootfd, relative(in_root).c_str(), &how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno != ENOSYS) return SysError{errno, host_path(root, in_root), ""};
  }
  // No openat2: resolve inside the root (the same rule), then open the link-free result with
  // no link allowed anywhere, so that a link planted after the walk is refused, not followed.
  RootFs fs(root);
  std::string path(in_root);
  std::string last;
  if (!follow_last) {
    std::size_t slash = path.find_last_of('/');
    if (slash != std::string::npos && slash + 1 < path.size()) {
      last = path.substr(slash + 1);
      path.resize(slash);
    }
  }
  Result<std::string> real = fs.resolve(path.empty() ? "/" : path);
  if (!real.ok()) return real.error();
  std::string target = real.value();
  if (!last.empty()) target += (target == "/" ? "" : "/") + last;
  int fd = open_beneath(rootfd, relative(target), flags & ~O_NOFOLLOW, 0);
  if (fd < 0) return SysError{errno, host_path(root, target), ""};
  return UniqueFd(fd);
}

int open_beneath_linkless(int dirfd, std::string_view rel, int flags) {
  if (g_openat2_missing) {
    errno = ENOSYS;
    return -1;
  }
  // The path is copied to the stack: a key's path is short, and this runs once per key read.
  std::array<char, 512> path{};
  if (rel.size() >= path.size() || rel.find('\0') != std::string_view::npos) {
    errno = EXDEV;  // not for the fast path: the caller's general walk reports it
    return -1;
  }
  std::memcpy(path.data(), rel.data(), rel.size());
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(sys_openat2(dirfd, rel.empty() ? "." : path.data(), &how));
}

namespace testing {
void set_openat2_missing(bool missing) { g_openat2_missing = missing; }
}  // namespace testing

Result<UniqueFd> open_in_root(const std::string& root, std::string_view in_root, int flags,
                              mode_t mode) {
  Result<UniqueFd> rootfd = open_root(root);
  if (!rootfd.ok()) return rootfd.error();
  int fd = open_beneath(rootfd.value().get(), relative(in_root), flags, mode);
  if (fd < 0) return SysError{errno, host_path(root, in_root), ""};
  return UniqueFd(fd);
}

Result<UniqueFd> ensure_dir_in_root(const std::string& root, std::string_view in_root,
                                    mode_t mode) {
  Result<UniqueFd> rootfd = open_root(root);
  if (!rootfd.ok()) return rootfd.error();
  std::string prefix;
  const std::string rel = relative(in_root);  // the views below point into it
  std::vector<std::string_view> parts = split(rel, '/');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty() || parts[i] == ".") continue;
    std::string parent = prefix.empty() ? "." : prefix;
    if (!prefix.empty()) prefix += '/';
    prefix += parts[i];
    int fd = open_beneath(rootfd.value().get(), prefix, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0 && errno == ENOENT) {
      int pfd = open_beneath(rootfd.value().get(), parent, O_RDONLY | O_DIRECTORY, 0);
      if (pfd < 0) return SysError{errno, host_path(root, "/" + parent), ""};
      UniqueFd pguard(pfd);
      mode_t m = i + 1 == parts.size() ? mode : 0755;
      if (::mkdirat(pfd, std::string(parts[i]).c_str(), m) != 0 && errno != EEXIST)
        return SysError{errno, host_path(root, "/" + prefix), "cannot create the directory"};
      (void)::fsync(pfd);
      fd = open_beneath(rootfd.value().get(), prefix, O_RDONLY | O_DIRECTORY, 0);
    }
    if (fd < 0) return SysError{errno, host_path(root, "/" + prefix), ""};
    if (i + 1 == parts.size()) return UniqueFd(fd);
    ::close(fd);
  }
  int fd = open_beneath(rootfd.value().get(), ".", O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) return SysError{errno, root, ""};
  return UniqueFd(fd);
}

Result<std::optional<EntryId>> entry_at(int dirfd, const std::string& name,
                                        const std::string& shown) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return std::optional<EntryId>{};
    return SysError{errno, shown, ""};
  }
  return std::optional<EntryId>{id_of(st)};
}

Result<std::string> read_at(int dirfd, const std::string& name, const std::string& shown,
                            std::size_t max_bytes, const std::optional<EntryId>& expected) {
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return SysError{errno, shown, ""};
  UniqueFd guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return SysError{errno, shown, ""};
  if (!S_ISREG(st.st_mode)) return SysError{EINVAL, shown, "not a regular file"};
  if (expected && !id_of(st).same_file(*expected))
    return SysError{EAGAIN, shown, "the file was replaced while tcptune was reading it"};
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
    return SysError{EFBIG, shown, "over the limit of " + std::to_string(max_bytes) + " bytes"};
  std::string data;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError{errno, shown, ""};
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > max_bytes)
      return SysError{EFBIG, shown, "over the limit of " + std::to_string(max_bytes) + " bytes"};
  }
  return data;
}

Result<void> replace_at(int dirfd, const std::string& name, const std::string& data, mode_t mode,
                        const Expect& expect, const std::string& shown,
                        const std::optional<FileOwner>& owner) {
  std::string tmp = temp_name(name);
  int fd = ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return SysError{errno, shown, "cannot create a temporary file in its directory"};
  bool keep_tmp = true;
  auto cleanup = [&] {
    if (keep_tmp) (void)::unlinkat(dirfd, tmp.c_str(), 0);
  };
  {
    UniqueFd guard(fd);
    if (owner && ::fchown(fd, owner->uid, owner->gid) != 0) {
      SysError e{errno, shown, "fchown of the temporary file"};
      cleanup();
      return e;
    }
    if (::fchmod(fd, mode) != 0) {
      SysError e{errno, shown, "fchmod of the temporary file"};
      cleanup();
      return e;
    }
    if (Result<void> w = write_all(fd, data, shown); !w.ok()) {
      cleanup();
      return w.error();
    }
    if (::fsync(fd) != 0) {
      SysError e{errno, shown, "fsync"};
      cleanup();
      return e;
    }
  }
  auto plain_rename = [&]() -> Result<void> {
    if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) {
      SysError e{errno, shown, "rename"};
      cleanup();
      return e;
    }
    keep_tmp = false;
    return {};
  };
  switch (expect.kind) {
    case Expect::Kind::absent:
      if (sys_renameat2(dirfd, tmp.c_str(), dirfd, name.c_str(), RENAME_NOREPLACE) != 0) {
        int err = errno;
        if (err == EINVAL) {  // the file system has no renameat2 flags: check, then rename
          Result<std::optional<EntryId>> now = entry_at(dirfd, name, shown);
          if (!now.ok() || now.value()) {
            cleanup();
            return SysError{EEXIST, shown, "the file appeared while tcptune was writing it"};
          }
          TCPTUNE_TRY(plain_rename());
          break;
        }
        cleanup();
        if (err == EEXIST)
          return SysError{EEXIST, shown, "the file appeared while tcptune was writing it"};
        return SysError{err, shown, "rename"};
      }
      break;
    case Expect::Kind::same_file: {
      if (sys_renameat2(dirfd, tmp.c_str(), dirfd, name.c_str(), RENAME_EXCHANGE) != 0) {
        int err = errno;
        if (err == EINVAL) {
          Result<std::optional<EntryId>> now = entry_at(dirfd, name, shown);
          if (!now.ok() || !now.value() || !now.value()->same_file(expect.id)) {
            cleanup();
            return SysError{EAGAIN, shown, "the file changed while tcptune was writing it"};
          }
          TCPTUNE_TRY(plain_rename());
          break;
        }
        cleanup();
        if (err == ENOENT)
          return SysError{EAGAIN, shown, "the file disappeared while tcptune was writing it"};
        return SysError{err, shown, "rename"};
      }
      // `tmp` now names what was at `name`: it must be the file we checked.
      Result<std::optional<EntryId>> old = entry_at(dirfd, tmp, shown);
      if (!old.ok() || !old.value() || !old.value()->same_file(expect.id)) {
        if (sys_renameat2(dirfd, tmp.c_str(), dirfd, name.c_str(), RENAME_EXCHANGE) != 0) {
          // Could not swap back: the other file is at `tmp` now; never remove it.
          return SysError{errno, shown,
                          "the file was replaced while tcptune was writing it, and putting it "
                          "back failed: it is at " +
                              tmp};
        }
        cleanup();
        return SysError{EAGAIN, shown,
                        "the file was replaced while tcptune was writing it; it was put back"};
      }
      break;
    }
    case Expect::Kind::anything:
      TCPTUNE_TRY(plain_rename());
      break;
  }
  if (expect.kind == Expect::Kind::same_file) {
    (void)::unlinkat(dirfd, tmp.c_str(), 0);  // the old file
  }
  keep_tmp = false;
  return fsync_dir(dirfd, shown);
}

void remove_temp_files(int dirfd, const std::string& name) {
  int dupfd = ::dup(dirfd);
  if (dupfd < 0) return;
  DIR* d = ::fdopendir(dupfd);
  if (d == nullptr) {
    ::close(dupfd);
    return;
  }
  ::rewinddir(d);
  std::string prefix = "." + name + ".tcptune-";
  std::vector<std::string> stale;
  while (const dirent* de = ::readdir(d)) {
    std::string n = de->d_name;
    if (n.rfind(prefix, 0) == 0) stale.push_back(n);
  }
  ::closedir(d);
  for (const std::string& n : stale) {
    struct stat st {};
    if (::fstatat(dirfd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
      (void)::unlinkat(dirfd, n.c_str(), 0);
  }
}

int remove_dead_temp_files(int dirfd) {
  int dupfd = ::dup(dirfd);
  if (dupfd < 0) return 0;
  DIR* d = ::fdopendir(dupfd);
  if (d == nullptr) {
    ::close(dupfd);
    return 0;
  }
  ::rewinddir(d);
  std::vector<std::string> stale;
  constexpr std::string_view k_mark = ".tcptune-";
  while (const dirent* de = ::readdir(d)) {
    std::string n = de->d_name;
    if (n.size() < 2 || n.front() != '.') continue;
    std::size_t at = n.rfind(k_mark);
    if (at == std::string::npos || at == 0) continue;
    // ".NAME.tcptune-PID-RANDOM": the writer's pid, then a random suffix.
    std::string rest = n.substr(at + k_mark.size());
    std::size_t dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 || dash > 10) continue;
    long pid = 0;
    bool digits = true;
    for (std::size_t i = 0; i < dash; ++i) {
      if (rest[i] < '0' || rest[i] > '9') digits = false;
      if (digits) pid = pid * 10 + (rest[i] - '0');
    }
    if (!digits || pid <= 0 || pid > 0x3fffffff) continue;
    // A live writer (another tcptune, or this one) may be between write and rename.
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    stale.push_back(n);
  }
  ::closedir(d);
  int removed = 0;
  for (const std::string& n : stale) {
    struct stat st {};
    if (::fstatat(dirfd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
        ::unlinkat(dirfd, n.c_str(), 0) == 0)
      ++removed;
  }
  return removed;
}

Result<void> remove_at(int dirfd, const std::string& name, const EntryId& expected,
                       const std::string& shown) {
  Result<std::optional<EntryId>> now = entry_at(dirfd, name, shown);
  if (!now.ok()) return now.error();
  if (!now.value()) return fsync_dir(dirfd, shown);  // already gone
  if (!now.value()->same_file(expected))
    return SysError{EAGAIN, shown, "the file changed; tcptune does not remove it"};
  if (::unlinkat(dirfd, name.c_str(), 0) != 0) return SysError{errno, shown, "unlink"};
  return fsync_dir(dirfd, shown);
}

Result<FileLock> FileLock::acquire(const std::string& root, std::string_view in_root,
                                   std::chrono::milliseconds wait, long* holder) {
  std::string dir(in_root.substr(0, in_root.rfind('/')));
  if (!dir.empty()) {
    Result<UniqueFd> d = ensure_dir_in_root(root, dir, 0755);
    if (!d.ok()) return d.error();
  }
  Result<UniqueFd> fd =
      open_in_root(root, in_root, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0600);
  if (!fd.ok()) return fd.error();
  // The lock file is emptied and given the pid below: it must be a regular file of its own. A
  // hard link planted there would make that write land in the file it shares (data lost).
  struct stat st {};
  if (::fstat(fd.value().get(), &st) != 0) return SysError{errno, host_path(root, in_root), ""};
  if (!S_ISREG(st.st_mode))
    return SysError{EINVAL, host_path(root, in_root), "not a regular file; remove it"};
  if (st.st_nlink != 1) {
    return SysError{EMLINK, host_path(root, in_root),
                    "has " + std::to_string(st.st_nlink) +
                        " hard links: it shares its contents with another file, which the lock "
                        "would overwrite; remove it"};
  }
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd.value().get(), LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err == EINTR) continue;
    if (err != EWOULDBLOCK) return SysError{err, host_path(root, in_root), "flock"};
    if (std::chrono::steady_clock::now() >= deadline) {
      char buf[32] = {};
      ssize_t n = ::pread(fd.value().get(), buf, sizeof buf - 1, 0);
      if (holder != nullptr) *holder = n > 0 ? std::strtol(buf, nullptr, 10) : 0;
      return SysError{EWOULDBLOCK, host_path(root, in_root), ""};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The pid only feeds the message a waiting apply prints; the lock itself is the flock. After a
  // failed or short write the file is emptied again (a waiter then shows holder 0, not a
  // partial pid); if even that fails there is nothing more to do and the lock still holds.
  const int lock_fd = fd.value().get();
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd, 0) == 0 &&
      ::pwrite(lock_fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()) &&
      ::ftruncate(lock_fd, 0) != 0) {
    // A partial pid stays in the file; only the holder shown to a waiter is wrong.
  }
  return FileLock(std::move(fd.value()));
}

}  // namespace tcptune
