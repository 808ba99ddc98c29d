#pragma once
/// The apply transaction (DESIGN.md "The transaction") and the rollback it shares with
/// `tcptune rollback`. The caller has taken the lock and filled the journal entry; these
/// functions do the writes, in the journal's order, and undo them on any failure.

#include <optional>
#include <string>
#include <vector>

#include "apply/journal.hpp"
#include "apply/write_side.hpp"
#include "sys/proc_sys.hpp"
#include "sys/safe_fs.hpp"

namespace tcptune {

/// What is at the fragment path now.
struct FragmentState {
  std::optional<EntryId> id;         ///< nullopt: no file
  std::optional<std::string> bytes;  ///< the file's content (regular files only)
  int mode = 0644;
};

/// Looks at the fragment without following a symbolic link: absent, or a regular file with
/// its bytes. A symbolic link or any other file type is an error with the reason.
Result<FragmentState> inspect_fragment(const RootFs& fs, const std::string& in_root);

/// Compares values as the kernel prints them: whitespace runs are one space, ends trimmed.
bool same_value(std::string_view a, std::string_view b);

struct TxnOutcome {
  TxnState state = TxnState::pending;
  std::vector<std::string> written;  ///< keys written and verified
  std::vector<std::string> errors;   ///< why it failed
  std::vector<std::string> left;     ///< what could not be restored
  bool journal_failed = false;       ///< the pending entry could not be written: nothing done
};

/// Runs the transaction for a filled `entry` (state pending): journal, the --fix-files edits,
/// fragment, live writes
/// with read-back, commit; on failure the rollback. Updates and saves `entry`.
/// Every write goes through `io`; `proc` and `fs` are read.
TxnOutcome run_transaction(JournalEntry& entry, const RootFs& fs, const ProcSys& proc,
                           WriteSide& io);

/// Why `tcptune rollback` must not restore `entry` without --force: a key whose live value is
/// neither what the transaction wrote (nor, for an unfinished one, what was there before), or a
/// fragment that changed since. Empty when it is safe.
std::vector<std::string> rollback_drift(const JournalEntry& entry, const RootFs& fs,
                                        const ProcSys& proc);

/// Whether a rollback restores what changed since the transaction (`rollback --force`).
enum class Force { no, yes };

struct RestoreReport {
  std::vector<std::string> restored;  ///< "key: 42 -> 7", "fragment: removed" ...
  std::vector<std::string> left;      ///< what is still not as before, exactly
  std::vector<std::string> notes;     ///< found, not tcptune's to restore (a foreign file)
};

/// Restores the before-values in reverse order, then the fragment (a file tcptune did not
/// write is never touched, even with Force::yes), then the files --fix-files edited (previous
/// bytes, mode and owner) and the masks it created (removed), in reverse order.
RestoreReport restore(const JournalEntry& entry, const RootFs& fs, const ProcSys& proc,
                      WriteSide& io, Force force);

/// What roll_back() restored, and whether the entry's final state reached the journal.
struct RollBackOutcome {
  RestoreReport report;
  /// The journal write of the final state; an error leaves the entry as it was on disk.
  Result<void> saved;
};

/// restore(), then the entry's final state (rolled-back, or rollback-failed with what is
/// left) saved in the journal. `by` is "apply" or "rollback".
RollBackOutcome roll_back(JournalEntry& entry, const RootFs& fs, const ProcSys& proc, WriteSide& io,
                          Force force, const std::string& by);

/// What `tcptune rollback --dry-run` would restore, decided as restore() decides, read-only.
struct RollbackPreview {
  struct Key {
    std::string key;
    std::optional<std::string> current;  ///< the live value now; nullopt when unreadable
    std::string restore;                 ///< the value before the transaction
  };
  std::vector<Key> keys;  ///< in restore order (reverse of the writes)
  bool fragment_change = false;
  std::string fragment_path;                    ///< in-root, when fragment_change
  std::optional<std::string> fragment_current;  ///< its bytes now; nullopt: no file
  std::optional<std::string> fragment_restore;  ///< the bytes before; nullopt: removed
  std::vector<std::string> notes;               ///< found, not tcptune's to restore
  /// apply --fix-files: each edited file or mask that is not as before, in restore order.
  struct File {
    std::string path;                    ///< in-root
    std::string shown;                   ///< host path
    std::string kind;                    ///< "edit" | "mask"
    std::optional<std::string> current;  ///< its bytes now; nullopt: no file
    std::optional<std::string> restore;  ///< the bytes before; nullopt: removed (a mask)
  };
  std::vector<File> files;
};

RollbackPreview preview_rollback(const JournalEntry& entry, const RootFs& fs, const ProcSys& proc);

}  // namespace tcptune
