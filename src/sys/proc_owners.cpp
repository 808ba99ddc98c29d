#include "sys/proc_owners.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

#include "sys/proc_files.hpp"
#include "sys/safe_fs.hpp"

namespace tcptune {

namespace {

/// "socket:[12345]" → 12345; 0 for anything else.
std::uint32_t socket_inode(std::string_view link) {
  constexpr std::string_view prefix = "socket:[";
  if (link.size() < prefix.size() + 2 || link.substr(0, prefix.size()) != prefix ||
      link.back() != ']') {
    return 0;
  }
  const std::string_view digits = link.substr(prefix.size(), link.size() - prefix.size() - 1);
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || p != digits.data() + digits.size()) return 0;
  return v;
}

struct CgroupWalk {
  const std::unordered_set<std::uint64_t>& wanted;
  std::unordered_map<std::uint64_t, std::string>& found;
  std::size_t dirs = 0;
};

void walk_cgroups(int dirfd, const std::string& path, int depth, CgroupWalk& w) {
  if (depth > 64 || w.found.size() == w.wanted.size()) return;
  DIR* d = ::fdopendir(dirfd);
  if (d == nullptr) {
    ::close(dirfd);
    return;
  }
  while (dirent* e = ::readdir(d)) {
    if (e->d_type != DT_DIR || std::strcmp(e->d_name, ".") == 0 ||
        std::strcmp(e->d_name, "..") == 0)
      continue;
    if (++w.dirs > 100000 || w.found.size() == w.wanted.size()) break;
    const std::string child = (path == "/" ? "" : path) + "/" + e->d_name;
    if (w.wanted.count(e->d_ino) != 0) w.found.emplace(e->d_ino, child);
    int fd = ::openat(::dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) walk_cgroups(fd, child, depth + 1, w);
  }
  ::closedir(d);
}

}  // namespace

std::unordered_map<std::uint64_t, std::string> cgroup_paths_by_id(
    const std::string& sys_fs_cgroup, const std::unordered_set<std::uint64_t>& wanted) {
  std::unordered_map<std::uint64_t, std::string> found;
  if (wanted.empty()) return found;
  // The unified hierarchy: /sys/fs/cgroup itself (cgroup v2), else its "unified" directory.
  for (const std::string& root : {sys_fs_cgroup, sys_fs_cgroup + "/unified"}) {
    int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    struct stat st {};
    if (::faccessat(fd, "cgroup.controllers", F_OK, AT_SYMLINK_NOFOLLOW) != 0 ||
        ::fstat(fd, &st) != 0) {
      ::close(fd);
      continue;
    }
    if (wanted.count(st.st_ino) != 0) found.emplace(st.st_ino, "/");
    CgroupWalk w{wanted, found};
    walk_cgroups(fd, "/", 0, w);
    break;
  }
  return found;
}

Result<SocketOwners> find_socket_owners(const std::string& proc_dir,
                                        const std::unordered_set<std::uint32_t>& wanted) {
  UniqueFd proc(::open(proc_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  if (proc.get() < 0) return SysError{errno, proc_dir, "cannot list processes"};
  SocketOwners out;
  if (wanted.empty()) return out;
  DIR* pdir = ::fdopendir(::dup(proc.get()));
  if (pdir == nullptr) return SysError{errno, proc_dir, "cannot list processes"};
  std::array<char, 64> target{};
  while (dirent* pe = ::readdir(pdir)) {
    if (!is_pid_name(pe->d_name)) continue;
    int pid = 0;
    std::from_chars(pe->d_name, pe->d_name + std::strlen(pe->d_name), pid);
    ++out.processes_scanned;
    UniqueFd piddir(
        ::openat(proc.get(), pe->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (piddir.get() < 0) {
      ++out.processes_denied;
      continue;
    }
    const int fddir_fd =
        ::openat(piddir.get(), "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fddir_fd < 0) {
      ++out.processes_denied;
      continue;
    }
    DIR* fdir = ::fdopendir(fddir_fd);
    if (fdir == nullptr) {
      ::close(fddir_fd);
      ++out.processes_denied;
      continue;
    }
    bool holds = false;
    while (dirent* fe = ::readdir(fdir)) {
      if (fe->d_name[0] == '.') continue;
      ++out.descriptors_scanned;
      const ssize_t n = ::readlinkat(::dirfd(fdir), fe->d_name, target.data(), target.size());
      if (n <= 0 || static_cast<std::size_t>(n) >= target.size()) continue;
      const std::uint32_t ino = socket_inode({target.data(), static_cast<std::size_t>(n)});
      if (ino == 0 || !wanted.contains(ino)) continue;
      auto& pids = out.holders[ino];
      if (pids.empty() || pids.back() != pid) pids.push_back(pid);
      holds = true;
    }
    ::closedir(fdir);
    if (!holds) continue;
    ProcessInfo info;
    info.pid = pid;
    info.comm = comm_text(read_small_file(piddir.get(), "comm", 64));
    info.cgroup = cgroup_path_of(read_small_file(piddir.get(), "cgroup", 64 * 1024));
    info.owner = classify_cgroup(info.cgroup);
    out.processes.emplace(pid, std::move(info));
  }
  ::closedir(pdir);
  // readdir order is not numeric; holders are kept ascending for stable output.
  for (auto& [ino, pids] : out.holders) std::sort(pids.begin(), pids.end());
  return out;
}

}  // namespace tcptune
