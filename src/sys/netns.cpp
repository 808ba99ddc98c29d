#include "sys/netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>

#include "core/kernel_version.hpp"

namespace tcptune {

std::string netns_path(const std::string& name_or_path) {
  if (name_or_path.find('/') != std::string::npos) return name_or_path;
  return "/run/netns/" + name_or_path;
}

Result<std::string> netns_id(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return SysError{errno, path, ""};
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

std::optional<std::uint64_t> current_netns_cookie() {
#ifndef SO_NETNS_COOKIE
  constexpr int SO_NETNS_COOKIE = 71;  // <asm-generic/socket.h>, Linux 5.14
#endif
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  std::uint64_t cookie = 0;
  socklen_t len = sizeof cookie;
  int rc = ::getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
  ::close(fd);
  if (rc != 0 || len != sizeof cookie) return std::nullopt;
  return cookie;
}

Result<void> enter_netns(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return SysError{errno, path, "cannot open the network namespace"};
  int rc = ::setns(fd, CLONE_NEWNET);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return SysError{err, path,
                    err == EPERM ? "entering a network namespace needs root (CAP_SYS_ADMIN)"
                                 : "not a network namespace"};
  }
  return {};
}

std::optional<bool> in_initial_netns() {
  struct stat self {};
  struct stat init {};
  if (::stat("/proc/self/ns/net", &self) != 0) return std::nullopt;
  if (::stat("/proc/1/ns/net", &init) == 0)
    return self.st_ino == init.st_ino && self.st_dev == init.st_dev;
  // PID 1 hidden (a sandbox, hidepid): newer kernels give the initial namespace the fixed
  // inode PROC_NET_INIT_INO (0xEFFFFFF9), below the range dynamic inodes come from
  // (0xF0000000 up), so a match is certain; anything else cannot be told apart.
  constexpr ino_t k_proc_net_init_ino = 0xEFFFFFF9;
  if (self.st_ino == k_proc_net_init_ino) return true;
  // Kernels from 6.18 on always number the initial namespace so (seen live on 6.18), so any
  // other inode there is another namespace; older kernels numbered it dynamically.
  struct utsname u {};
  if (::uname(&u) == 0) {
    if (auto k = parse_kernel_release(u.release); k && *k >= KernelVersion{6, 18, 0}) return false;
  }
  return std::nullopt;
}

}  // namespace tcptune
