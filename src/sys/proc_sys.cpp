#include "sys/proc_sys.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "core/text_util.hpp"
#include "sys/safe_fs.hpp"

namespace tcptune {

namespace {

bool has_glob(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

}  // namespace

ProcSys::ProcSys(const RootFs& fs) : m_fs(fs) {
  Result<std::string> real = fs.resolve("/proc/sys");
  if (!real.ok() || !fs.is_directory(real.value())) return;
  Result<UniqueFd> rootfd = open_root_dir(fs.root());
  if (!rootfd.ok()) return;
  m_root_fd = std::move(rootfd.value());
  m_in_root = real.value() == "/" ? "" : real.value();
  m_base = fs.host_path(real.value());
  Result<UniqueFd> sys = open_read_in_root(m_root_fd.get(), fs.root(), real.value(),
                                           O_PATH | O_DIRECTORY | O_NOFOLLOW);
  if (sys.ok()) m_sys_fd = std::move(sys.value());
}

std::string ProcSys::host(std::string_view path) const {
  // No proc/sys: a path that cannot exist, so reads report "absent".
  if (m_base.empty()) return "/nonexistent/tcptune/proc/sys/" + std::string(path);
  return m_base + "/" + std::string(path);
}

Result<UniqueFd> ProcSys::open_key(std::string_view path, int flags) const {
  if (m_base.empty()) return SysError{ENOENT, host(path), ""};
  // The fast path: below proc/sys, opened once, with no link on the way (a live /proc/sys has
  // none): every key is spared the walk from the root to proc/sys. A link, an escape or no
  // openat2 takes the walk inside the root below, which gives links their in-root meaning.
  if (m_sys_fd.valid()) {
    int fd = open_beneath_linkless(m_sys_fd.get(), path, flags);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != ELOOP && errno != EXDEV && errno != ENOSYS) return SysError{errno, host(path), ""};
  }
  // Every component after proc/sys is resolved inside the root too: a fixture whose
  // proc/sys/net is a link to the host's /proc/sys/net reads the fixture's own tree.
  std::string in_root = m_in_root + "/" + std::string(path);
  Result<UniqueFd> fd = open_read_in_root(m_root_fd.get(), m_fs.root(), in_root, flags);
  if (!fd.ok()) return SysError{fd.error().err, host(path), ""};
  return fd;
}

bool ProcSys::available() const { return !m_base.empty(); }

bool ProcSys::key_file(int fd) const {
  // A --root tree is anyone's files: a FIFO there would read as an empty value (and block the
  // write that follows), a device as endless data. /proc/sys itself holds regular files only,
  // and is spared the fstat.
  if (m_fs.is_host_root()) return true;
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

KeyRead ProcSys::read(std::string_view path) const {
  KeyRead r;
  Result<UniqueFd> opened = open_key(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (!opened.ok()) {
    int err = opened.error().err;
    if (err == ENOENT || err == ENOTDIR) {
      r.status = KeyStatus::absent;
    } else {
      r.status = KeyStatus::error;
      r.error = opened.error();
    }
    return r;
  }
  const int fd = opened.value().get();
  if (!key_file(fd)) {
    r.status = KeyStatus::error;
    r.error = SysError{EINVAL, host(path), "not a regular file"};
    return r;
  }
  std::string data;
  char buf[4096];
  while (data.size() < (1u << 20)) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      r.status = KeyStatus::error;
      r.error = SysError{errno, host(path), ""};
      return r;
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    // A sysctl handler formats the whole value and hands out what fits, as does a regular
    // file (a --root fixture): a read that does not fill the buffer reached the end, and the
    // read that would say so costs a system call per key.
    if (static_cast<std::size_t>(n) < sizeof buf) break;
  }
  r.status = KeyStatus::value;
  r.value = std::string(trim(data));
  r.raw = std::move(data);
  return r;
}

Result<void> ProcSys::write(std::string_view path, const std::string& value) const {
  return write_raw(path, value + "\n");
}

Result<void> ProcSys::write_raw(std::string_view path, const std::string& data) const {
  std::string in_root = "/proc/sys/" + std::string(path);
  // O_NONBLOCK: a FIFO in a --root tree refuses the open (ENXIO) instead of blocking on it.
  Result<UniqueFd> fd =
      open_in_root(m_fs.root(), in_root, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
  if (!fd.ok()) return fd.error();
  if (!key_file(fd.value().get()))
    return SysError{EINVAL, m_fs.host_path(in_root), "not a regular file"};
  while (true) {
    ssize_t n = ::write(fd.value().get(), data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SysError{errno, m_fs.host_path(in_root), ""};
    if (static_cast<std::size_t>(n) != data.size())
      return SysError{
          EIO, m_fs.host_path(in_root),
          "short write: " + std::to_string(n) + " of " + std::to_string(data.size()) + " bytes"};
    return {};
  }
}

bool ProcSys::read_only() const {
  if (m_base.empty()) return false;
  struct statvfs sv {};
  return ::statvfs(m_base.c_str(), &sv) == 0 && (sv.f_flag & ST_RDONLY) != 0;
}

bool ProcSys::writable(std::string_view path) const {
  Result<UniqueFd> fd = open_key(path, O_PATH | O_NOFOLLOW);
  struct stat st {};
  if (!fd.ok() || ::fstat(fd.value().get(), &st) != 0) return true;
  return (st.st_mode & S_IWUSR) != 0;
}

bool ProcSys::exists(std::string_view path) const {
  Result<UniqueFd> fd = open_key(path, O_PATH | O_NOFOLLOW);
  struct stat st {};
  return fd.ok() && ::fstat(fd.value().get(), &st) == 0 && !S_ISDIR(st.st_mode);
}

std::vector<std::string> ProcSys::list(std::string_view dir) const {
  std::vector<std::string> out;
  Result<UniqueFd> fd = open_key(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY);
  if (!fd.ok()) return out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(fd.value().get()), &::closedir);
  if (!d) return out;
  fd.value().release();  // owned by the DIR now
  while (const dirent* de = ::readdir(d.get())) {
    std::string name = de->d_name;
    if (name != "." && name != "..") out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> ProcSys::glob(std::string_view pattern, std::size_t limit) const {
  // Walk component by component; only components with glob characters list a directory.
  std::vector<std::string> parts;
  for (std::string_view p : split(pattern, '/')) parts.emplace_back(p);
  std::vector<std::string> current{""};
  for (std::size_t i = 0; i < parts.size() && !current.empty(); ++i) {
    bool last = i + 1 == parts.size();
    std::vector<std::string> next;
    for (const std::string& base : current) {
      std::string prefix = base.empty() ? "" : base + "/";
      if (!has_glob(parts[i])) {
        next.push_back(prefix + parts[i]);
        continue;
      }
      for (const std::string& name : list(base)) {
        if (::fnmatch(parts[i].c_str(), name.c_str(), FNM_PATHNAME) == 0)
          next.push_back(prefix + name);
        if (next.size() >= limit) break;
      }
    }
    current = std::move(next);
    if (last) {
      std::vector<std::string> files;
      for (const auto& c : current) {
        if (exists(c)) files.push_back(c);
      }
      current = std::move(files);
    }
  }
  std::sort(current.begin(), current.end());
  if (current.size() > limit) current.resize(limit);
  return current;
}

std::optional<std::string> kernel_release(const RootFs& fs) {
  if (fs.is_host_root()) {
    struct utsname u {};
    if (::uname(&u) == 0) return std::string(u.release);
    return std::nullopt;
  }
  Result<std::string> r = fs.read_file("/proc/sys/kernel/osrelease", 4096);
  if (!r.ok()) return std::nullopt;
  std::string_view t = trim(r.value());
  if (t.empty()) return std::nullopt;
  return std::string(t);
}

}  // namespace tcptune
