#include "sys/netns_fork.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "sys/safe_fs.hpp"

namespace tcptune {

namespace {

// The child reports a failure to enter as "E" + errno; a payload starts with "P".
constexpr int k_enter_failed = 120;

bool write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

[[noreturn]] void child(int fd, const std::string& ns_path,
                        const std::function<std::string()>& body) {
  int ns = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
    write_all(fd, "E" + std::to_string(errno));
    ::_exit(k_enter_failed);
  }
  ::close(ns);
  std::string payload;
  try {
    payload = "P" + body();
  } catch (...) {
    ::_exit(1);
  }
  ::_exit(write_all(fd, payload) ? 0 : 1);
}

}  // namespace

Result<NetnsChildResult> run_in_netns(const std::string& ns_path,
                                      const std::function<std::string()>& body,
                                      int timeout_seconds) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return SysError{errno, ns_path, "pipe"};
  UniqueFd rd(fds[0]);
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[1]);
    return SysError{err, ns_path, "fork"};
  }
  if (pid == 0) {
    ::close(fds[0]);
    child(fds[1], ns_path, body);
  }
  ::close(fds[1]);

  NetnsChildResult res;
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  char buf[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      res.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{rd.get(), POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    ssize_t n = ::read(rd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!got.empty() && got[0] == 'E') {
    int err = std::atoi(got.c_str() + 1);
    return SysError{err, ns_path,
                    err == ENOENT ? "the namespace is gone"
                    : err == EPERM
                        ? "not allowed to enter it (needs CAP_SYS_ADMIN over its user namespace)"
                        : "cannot enter the network namespace"};
  }
  if (res.timed_out) {
    return SysError{0, ns_path,
                    "stopped: still working after " + std::to_string(timeout_seconds) + " s"};
  }
  if (got.empty() || got[0] != 'P' || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return SysError{0, ns_path,
                    WIFSIGNALED(status) ? "the child working in the namespace died (signal " +
                                              std::to_string(WTERMSIG(status)) + ")"
                                        : "the child working in the namespace failed"};
  }
  res.payload = got.substr(1);
  return res;
}

}  // namespace tcptune
