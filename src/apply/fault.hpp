#pragma once
/// Fault injection for the transaction tests: TCPTUNE_FAULT=<point>[:<n>][,<point>[:<n>]...]
/// and TCPTUNE_FAULT_ACTION=fail|crash|stall (default fail). The points, in the order an apply
/// passes them:
///   journal     after the pending journal entry is written
///   fragment    after the fragment is renamed into place
///   live:N      after the N-th live write (before its read-back)
///   readback:N  the N-th read-back (fail: reported as a value the kernel rewrote)
///   commit      just before the journal entry is marked committed
///   rollback:N  the N-th restore step of a rollback that has something to restore (live
///               values not at their value before, in reverse order, then the fragment), in a
///               failed apply and in `tcptune rollback`
/// fail makes the step fail as a real error would; crash ends the process at once with
/// _exit(99), as kill -9 would; stall sleeps TCPTUNE_FAULT_STALL_SECONDS (default 5) and goes
/// on. Unset, nothing happens. tests/apply/fault_matrix.py drives every point.

#include <map>
#include <string>
#include <string_view>

namespace tcptune {

class Faults {
 public:
  /// From the environment; a malformed TCPTUNE_FAULT is a usage error (UsageError).
  static Faults from_env();

  /// Called at each point with its 1-based occurrence number. Returns true when the step must
  /// fail; crashes or stalls here for those actions.
  bool hit(std::string_view point, int n = 1) const;

  /// Counts occurrences itself: the k-th call for `point` is occurrence k.
  bool next(std::string_view point);

  [[nodiscard]] bool any() const { return !m_points.empty(); }

 private:
  enum class Action { fail, crash, stall };
  std::map<std::string, int, std::less<>> m_points;  ///< point → occurrence (1 by default)
  std::map<std::string, int, std::less<>> m_counts;
  Action m_action = Action::fail;
  int m_stall_seconds = 5;
};

}  // namespace tcptune
