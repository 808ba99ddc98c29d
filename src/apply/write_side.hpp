#pragma once
/// The write side of a transaction, behind one small interface (as ninja's DiskInterface):
/// every live write and its read-back, every replacement and removal of the fragment, and
/// every journal save go through it. SystemWriteSide does them for real; tests wrap it in a
/// recording fake that logs each operation and can fail any of them with a chosen errno or
/// stop there as a kill -9 would; the fault-injecting test binary (tests/apply/) wraps it the
/// same way. The shipped binary has no fault switch.

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "apply/journal.hpp"
#include "core/key_source.hpp"
#include "sys/proc_sys.hpp"
#include "sys/safe_fs.hpp"

namespace tcptune {

/// Whether an operation moves forward (the apply) or undoes (a rollback's restore).
enum class Step { apply, rollback };

class WriteSide {
 public:
  virtual ~WriteSide() = default;
  /// Writes a live value: `raw` exactly when given (a restore of the bytes read before), else
  /// VALUE + "\n". The kernel's refusal is the errno.
  virtual Result<void> write_live(const std::string& path, const std::string& value,
                                  const std::optional<std::string>& raw, Step step) = 0;
  /// Reads a live value back after writing it.
  virtual KeyRead read_back(const std::string& path, Step step) = 0;
  /// replace_at(): the fragment (or its previous bytes), atomically.
  virtual Result<void> replace_file(int dirfd, const std::string& name, const std::string& data,
                                    mode_t mode, const Expect& expect, const std::string& shown,
                                    Step step) = 0;
  /// remove_at(): the fragment, when the transaction created it.
  virtual Result<void> remove_file(int dirfd, const std::string& name, const EntryId& expected,
                                   const std::string& shown, Step step) = 0;
  /// Journal::save().
  virtual Result<void> save_journal(const JournalEntry& e) = 0;
  /// apply --fix-files: replace_at() of a file whose lines are commented out, or of a mask
  /// created for a vendor file, with the edited file's owner (and their restores).
  virtual Result<void> replace_config(int dirfd, const std::string& name, const std::string& data,
                                      mode_t mode, const FileOwner& owner, const Expect& expect,
                                      const std::string& shown, Step step) = 0;
  /// remove_at() of a mask, when a rollback takes it away.
  virtual Result<void> remove_config(int dirfd, const std::string& name, const EntryId& expected,
                                     const std::string& shown, Step step) = 0;
};

/// The real thing, over /proc/sys and the journal of a root.
class SystemWriteSide final : public WriteSide {
 public:
  SystemWriteSide(const ProcSys& proc, const Journal& journal) : m_proc(proc), m_journal(journal) {}
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
  const ProcSys& m_proc;
  const Journal& m_journal;
};

/// How the commands get their write side: SystemWriteSide, wrapped by the hook a test binary
/// installs before run_app() (the shipped binary installs none).
using WriteSideWrapper = std::function<std::unique_ptr<WriteSide>(std::unique_ptr<WriteSide>)>;
void set_write_side_wrapper(WriteSideWrapper wrapper);
std::unique_ptr<WriteSide> make_write_side(const ProcSys& proc, const Journal& journal);

}  // namespace tcptune
