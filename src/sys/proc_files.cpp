#include "sys/proc_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>

namespace tcptune {

bool is_pid_name(const char* name) {
  if (*name == '\0') return false;
  for (; *name != '\0'; ++name) {
    if (*name < '0' || *name > '9') return false;
  }
  return true;
}

std::string read_small_file(int dirfd, const char* name, std::size_t limit) {
  const int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return {};
  std::string out;
  std::array<char, 4096> buf{};
  while (out.size() < limit) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n <= 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::string comm_text(std::string raw) {
  while (!raw.empty() && raw.back() == '\n') raw.pop_back();
  return raw;
}

}  // namespace tcptune
