#include "sys/netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>

namespace tcptune {

std::string netns_path(const std::string& name_or_path) {
  if (name_or_path.find('/') != std::string::npos) return name_or_path;
  return "/run/netns/" + name_or_path;
}

Result<bool> enter_netns(const std::string& path) {
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
  return true;
}

}  // namespace tcptune
