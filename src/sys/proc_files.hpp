#pragma once
/// Small reads under a /proc tree shared by the owner and namespace walks.

#include <cstddef>
#include <string>

namespace tcptune {

/// Whether a /proc entry name is a process id (all digits, not empty).
bool is_pid_name(const char* name);

/// Up to `limit` bytes of the file `name` relative to `dirfd` (AT_FDCWD for a path), never
/// following a symbolic link at the last component; "" when it cannot be opened (a process
/// that exited, a file we may not read).
std::string read_small_file(int dirfd, const char* name, std::size_t limit);

/// /proc/PID/comm text without its newline.
std::string comm_text(std::string raw);

}  // namespace tcptune
