#pragma once
/// Fault injection for the crash tests, test builds only (tests/apply/tcptune_faulty and the
/// unit tests; the shipped tcptune has none): a WriteSide wrapper driven by
/// TCPTUNE_FAULT=<point>[:<n>][,<point>[:<n>]...] and TCPTUNE_FAULT_ACTION=fail|crash|stall
/// (default fail). The points, in the order an apply passes them:
///   journal     after the pending journal entry is written (fires at the next write)
///   edit:N      after the N-th file edited by --fix-files (or mask) is renamed into place
///               (edits come before the fragment)
///   fragment    after the fragment is renamed into place
///   live:N      after the N-th live write (before its read-back)
///   readback:N  the N-th read-back (fail: reported as unreadable)
///   commit      just before the journal entry is marked committed
///   rollback:N  the N-th restore write of a rollback (live values not at their value before,
///               in reverse order, then the fragment, then the --fix-files edits in reverse
///               order), in a failed apply and in `tcptune
///               rollback`
/// fail makes the step fail as a real error would; crash ends the process at once with
/// _exit(99), as kill -9 would; stall sleeps TCPTUNE_FAULT_STALL_SECONDS (default 5) and goes
/// on. Unset, nothing happens. tests/apply/fault_matrix.py drives every point.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "apply/write_side.hpp"

namespace tcptune::test {

class FaultWriteSide final : public WriteSide {
 public:
  /// From the environment; a malformed TCPTUNE_FAULT is a usage error (UsageError). Unset:
  /// `inner` itself.
  static std::unique_ptr<WriteSide> from_env(std::unique_ptr<WriteSide> inner);

  Result<void> write_live(const std::string& path, const std::string& value,
                          const std::optional<std::string>& raw, Step step) override;
  KeyRead read_back(const std::string& path, Step step) override;
  Result<void> replace_file(int dirfd, const std::string& name, const std::string& data,
                            mode_t mode, const Expect& expect, const std::string& shown,
                            Step step) override;
  Result<void> remove_file(int dirfd, const std::string& name, const EntryId& expected,
                           const std::string& shown, Step step) override;
  Result<void> save_journal(const JournalEntry& e) override;
  Result<void> replace_config(int dirfd, const std::string& name, const std::string& data,
                              mode_t mode, const FileOwner& owner, const Expect& expect,
                              const std::string& shown, Step step) override;
  Result<void> remove_config(int dirfd, const std::string& name, const EntryId& expected,
                             const std::string& shown, Step step) override;

 private:
  enum class Action { fail, crash, stall };
  explicit FaultWriteSide(std::unique_ptr<WriteSide> inner) : m_inner(std::move(inner)) {}
  /// Counts an occurrence of `point`; true when the step must fail (crashes or stalls here).
  bool next(std::string_view point);
  /// The "journal" point fires at the first write after the pending entry was saved.
  bool after_journal();

  std::unique_ptr<WriteSide> m_inner;
  std::map<std::string, int, std::less<>> m_points;  ///< point → occurrence (1 by default)
  std::map<std::string, int, std::less<>> m_counts;
  Action m_action = Action::fail;
  int m_stall_seconds = 5;
  bool m_journal_saved = false;
  bool m_journal_done = false;
};

}  // namespace tcptune::test
