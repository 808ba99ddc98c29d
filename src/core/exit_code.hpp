#pragma once
/// Exit codes, the same for every command (DESIGN.md).

#include <stdexcept>
#include <string>

namespace tcptune {

enum class ExitCode : int {
  ok = 0,        ///< clean / done
  findings = 1,  ///< findings at or above --fail-on, or changes pending
  invalid_input =
      2,             ///< usage error or invalid input (bad option, malformed file, unreadable file)
  system_error = 3,  ///< cannot read /proc, netlink failure, not root for a write
  apply_rolled_back = 4,   ///< apply failed and everything was rolled back
  rollback_incomplete = 5  ///< apply failed and rollback is incomplete
};

/// "Stop now" errors, thrown low and caught once at the top, where they become a message
/// and an exit code.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class SystemFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tcptune
