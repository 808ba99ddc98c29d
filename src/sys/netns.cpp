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

std::optional<bool> initial_netns_from(
    std::optional<NsFile> self_net, std::optional<KernelVersion> kernel,
    const std::function<std::optional<NsFile>(const char* ns)>& pid1) {
  constexpr std::uint64_t k_proc_net_init_ino = 0xEFFFFFF9;
  constexpr std::uint64_t k_proc_pid_init_ino = 0xEFFFFFFC;
  if (!self_net) return std::nullopt;
  if (self_net->ino == k_proc_net_init_ino) return true;
  if (kernel && *kernel >= KernelVersion{6, 18, 0}) return false;
  // PID 1 is a container's init: its namespace says nothing about the host's.
  if (std::optional<NsFile> p = pid1("pid"); p && p->ino != k_proc_pid_init_ino)
    return std::nullopt;
  std::optional<NsFile> init_net = pid1("net");
  if (!init_net) return std::nullopt;
  return self_net->ino == init_net->ino && self_net->dev == init_net->dev;
}

std::optional<KernelVersion> running_kernel() {
  struct utsname u {};
  if (::uname(&u) != 0) return std::nullopt;
  return parse_kernel_release(u.release);
}

std::optional<bool> in_initial_netns() {
  auto ns = [](const std::string& path) -> std::optional<NsFile> {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return NsFile{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
  };
  return initial_netns_from(ns("/proc/self/ns/net"), running_kernel(), [&](const char* name) {
    return ns(std::string("/proc/1/ns/") + name);
  });
}

}  // namespace tcptune
