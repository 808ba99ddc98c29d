#include "sys/root_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "core/text_util.hpp"
#include "sys/safe_fs.hpp"

namespace tcptune {

namespace {

constexpr int k_max_links = 40;

// Splits an absolute or relative path into its non-empty components.
std::vector<std::string> components(std::string_view p) {
  std::vector<std::string> out;
  for (std::string_view part : split(p, '/')) {
    if (!part.empty() && part != ".") out.emplace_back(part);
  }
  return out;
}

std::string join_abs(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

Result<std::string> read_fd(int fd, const std::string& shown, std::size_t max_bytes) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return SysError{errno, shown, ""};
  if (S_ISDIR(st.st_mode)) return SysError{EISDIR, shown, ""};
  if (!S_ISREG(st.st_mode)) return SysError{EINVAL, shown, "not a regular file"};
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return SysError{EFBIG, shown,
                    "file is " + std::to_string(st.st_size) + " bytes, over the limit of " +
                        std::to_string(max_bytes)};
  }
  // Sized by fstat; a file that is still growing is read on in 4 KiB steps. The end-of-file
  // probe goes into a small buffer, so a file read whole is not doubled and zero-filled.
  std::string data;
  data.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  char probe[4096];
  while (true) {
    char* into = got < data.size() ? data.data() + got : probe;
    std::size_t room = got < data.size() ? data.size() - got : sizeof probe;
    ssize_t n = ::read(fd, into, room);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError{errno, shown, ""};
    }
    if (n == 0) break;
    if (into == probe) {
      if (got + static_cast<std::size_t>(n) > max_bytes) {
        return SysError{EFBIG, shown,
                        "file grew over the limit of " + std::to_string(max_bytes) + " bytes"};
      }
      data.append(probe, static_cast<std::size_t>(n));
    }
    got += static_cast<std::size_t>(n);
  }
  data.resize(got);
  if (data.size() > max_bytes) {
    return SysError{EFBIG, shown,
                    "file is over the limit of " + std::to_string(max_bytes) + " bytes"};
  }
  return data;
}

EntryType type_of(mode_t m) {
  if (S_ISREG(m)) return EntryType::regular;
  if (S_ISDIR(m)) return EntryType::directory;
  if (S_ISLNK(m)) return EntryType::symlink;
  return EntryType::other;
}

}  // namespace

RootFs::RootFs(std::string root) : m_root(std::move(root)) {
  while (m_root.size() > 1 && m_root.back() == '/') m_root.pop_back();
  if (m_root.empty()) m_root.assign(1, '/');
  // The same directory as "/" under any spelling is the host root: every check that guards the
  // host (root privileges for apply, uname for the release, netlink for sockets) must see it.
  struct stat here {};
  struct stat top {};
  if (m_root != "/" && ::stat(m_root.c_str(), &here) == 0 && ::stat("/", &top) == 0 &&
      here.st_dev == top.st_dev && here.st_ino == top.st_ino) {
    m_root.assign(1, '/');
  }
}

std::string RootFs::host_path(std::string_view in_root) const {
  const std::string_view slash = (in_root.empty() || in_root.front() != '/') ? "/" : "";
  if (m_root == "/") return cat(slash, in_root);
  return cat(m_root, slash, in_root);
}

Result<std::string> RootFs::resolve(std::string_view in_root) const {
  std::vector<std::string> todo = components(in_root);
  std::reverse(todo.begin(), todo.end());  // a stack: back() is the next component
  std::vector<std::string> done;
  int links = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.back());
    todo.pop_back();
    if (part == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    done.push_back(part);
    std::string here = join_abs(done);
    struct stat st {};
    if (::lstat(host_path(here).c_str(), &st) != 0) {
      int err = errno;
      if (err == ENOENT && todo.empty()) return SysError{ENOENT, host_path(here), ""};
      return SysError{err, host_path(here), ""};
    }
    if (S_ISLNK(st.st_mode)) {
      if (++links > k_max_links) return SysError{ELOOP, host_path(in_root), ""};
      Result<std::string> target = read_link_direct(host_path(here));
      if (!target.ok()) return target.error();
      done.pop_back();
      if (!target.value().empty() && target.value().front() == '/') done.clear();
      std::vector<std::string> t = components(target.value());
      for (auto it = t.rbegin(); it != t.rend(); ++it) todo.push_back(*it);
    } else if (!todo.empty() && !S_ISDIR(st.st_mode)) {
      return SysError{ENOTDIR, host_path(here), ""};
    }
  }
  return join_abs(done);
}

Result<UniqueFd> RootFs::open_read(std::string_view in_root, int flags) const {
  Result<UniqueFd> rootfd = open_root_dir(m_root);
  if (!rootfd.ok()) return rootfd.error();
  return open_read_in_root(rootfd.value().get(), m_root, in_root, flags);
}

Result<std::string> RootFs::read_file(std::string_view in_root, std::size_t max_bytes) const {
  // resolve() names the file in messages (and reports a broken link where it breaks); the open
  // itself resolves again, in the kernel, so nothing swapped in between can lead out of the root.
  Result<std::string> real = resolve(in_root);
  if (!real.ok()) return real.error();
  std::string shown = host_path(real.value());
  // O_NOFOLLOW: resolve() already walked the links; a link appearing now is a race, refuse it.
  // O_NONBLOCK: a FIFO planted in a config directory must not hang us.
  Result<UniqueFd> fd = open_read(real.value(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (!fd.ok()) return SysError{fd.error().err, shown, ""};
  return read_fd(fd.value().get(), shown, max_bytes);
}

Result<std::vector<DirEntry>> RootFs::list_dir(std::string_view in_root) const {
  Result<std::string> real = resolve(in_root);
  if (!real.ok()) return real.error();
  std::string shown = host_path(real.value());
  Result<UniqueFd> fd = open_read(real.value(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (!fd.ok()) return SysError{fd.error().err, shown, ""};
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd.value().get()), &::closedir);
  if (!dir) return SysError{errno, shown, ""};
  fd.value().release();  // owned by the DIR now
  std::vector<DirEntry> out;
  while (true) {
    errno = 0;
    const dirent* de = ::readdir(dir.get());
    if (de == nullptr) {
      if (errno != 0) return SysError{errno, shown, ""};
      break;
    }
    std::string name = de->d_name;
    if (name == "." || name == "..") continue;
    DirEntry e;
    e.name = name;
    struct stat st {};
    if (::fstatat(::dirfd(dir.get()), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      e.type = type_of(st.st_mode);
    }
    out.push_back(std::move(e));
    if (out.size() > 1000000) return SysError{E2BIG, shown, "more than 1000000 entries"};
  }
  std::sort(out.begin(), out.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return out;
}

// The host path of an in-root path whose parent directories are resolved inside the root (the
// last component is left alone, for lstat and readlink).
std::string RootFs::parent_resolved(std::string_view in_root) const {
  std::string p(in_root);
  std::size_t slash = p.rfind('/');
  if (slash == std::string::npos || slash == 0) return host_path(p);
  Result<std::string> parent = resolve(p.substr(0, slash));
  if (!parent.ok()) return host_path(p);  // the lstat/readlink below reports the error
  return host_path((parent.value() == "/" ? "" : parent.value()) + p.substr(slash));
}

Result<EntryType> RootFs::entry_type(std::string_view in_root) const {
  std::string shown = parent_resolved(in_root);
  Result<UniqueFd> fd = open_read(in_root, O_PATH | O_NOFOLLOW);
  if (!fd.ok()) return SysError{fd.error().err, shown, ""};
  struct stat st {};
  if (::fstat(fd.value().get(), &st) != 0) return SysError{errno, shown, ""};
  return type_of(st.st_mode);
}

Result<std::string> RootFs::read_link_direct(const std::string& p) const {
  std::string buf(4096, '\0');
  ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size());
  if (n < 0) return SysError{errno, p, ""};
  if (static_cast<std::size_t>(n) >= buf.size()) return SysError{ENAMETOOLONG, p, ""};
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

Result<std::string> RootFs::read_link(std::string_view in_root) const {
  std::string shown = parent_resolved(in_root);
  Result<UniqueFd> fd = open_read(in_root, O_PATH | O_NOFOLLOW);
  if (!fd.ok()) return SysError{fd.error().err, shown, ""};
  std::string buf(4096, '\0');
  ssize_t n = ::readlinkat(fd.value().get(), "", buf.data(), buf.size());
  if (n < 0) return SysError{errno, shown, ""};
  if (static_cast<std::size_t>(n) >= buf.size()) return SysError{ENAMETOOLONG, shown, ""};
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

Result<FileStat> RootFs::stat(std::string_view in_root) const {
  Result<std::string> real = resolve(in_root);
  if (!real.ok()) return real.error();
  std::string shown = host_path(real.value());
  Result<UniqueFd> fd = open_read(real.value(), O_PATH | O_NOFOLLOW);
  if (!fd.ok()) return SysError{fd.error().err, shown, ""};
  struct stat st {};
  if (::fstat(fd.value().get(), &st) != 0) return SysError{errno, shown, ""};
  return FileStat{st.st_uid, st.st_gid, st.st_mode};
}

bool RootFs::is_directory(std::string_view in_root) const {
  Result<UniqueFd> fd = open_read(in_root, O_PATH | O_DIRECTORY);
  struct stat st {};
  return fd.ok() && ::fstat(fd.value().get(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::string> read_plain_file(const std::string& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return SysError{errno, path, ""};
  UniqueFd guard(fd);
  return read_fd(fd, path, max_bytes);
}

Result<void> write_plain_file(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return SysError{errno, path, ""};
  UniqueFd guard(fd);
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError{errno, path, ""};
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return SysError{errno, path, ""};
  return {};
}

bool is_dev_null(const std::string& path) {
  struct stat st {};
  struct stat null_st {};
  return ::stat(path.c_str(), &st) == 0 && ::stat("/dev/null", &null_st) == 0 &&
         S_ISCHR(st.st_mode) && st.st_rdev == null_st.st_rdev;
}

bool is_plain_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::vector<std::string>> list_conf_files(const std::string& dir, std::string_view suffix) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  if (!d) return SysError{errno, dir, ""};
  std::vector<std::string> out;
  while (const dirent* de = ::readdir(d.get())) {
    std::string name = de->d_name;
    if (name.size() > suffix.size() && name.front() != '.' &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(dir + (dir.back() == '/' ? "" : "/") + name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tcptune
