#pragma once
/// The transaction journal: one JSON file per transaction under var/lib/tcptune/ (under the
/// root), written atomically and fsync'd before the step it protects. It holds everything a
/// rollback needs: the live value of each key before the transaction, and the fragment file's
/// previous bytes (or that there was none).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace tcptune {

inline constexpr const char* k_journal_dir = "/var/lib/tcptune";
inline constexpr const char* k_lock_path = "/run/tcptune.lock";
/// How many finished transactions apply and rollback keep in the journal by default
/// (--journal-keep).
inline constexpr std::size_t k_journal_keep_default = 100;

enum class TxnState { pending, committed, rolled_back, rollback_failed };
std::string_view to_string(TxnState s);
std::optional<TxnState> parse_txn_state(std::string_view s);

struct JournalKey {
  std::string key;
  std::string path;                       ///< relative /proc/sys path
  std::optional<std::string> before;      ///< live value before; nullopt: the key was absent
  std::optional<std::string> before_raw;  ///< the bytes read before, written back exactly
  std::string target;                     ///< the value the transaction writes
  /// What the kernel held when the transaction read the key back after writing it (it may
  /// rewrite a value: "0x607" reads back "1543"); nullopt until then.
  std::optional<std::string> after = std::nullopt;
};

/// A value the kernel rewrites by itself when a key of the transaction is written (an
/// interface's forwarding when net.ipv4.ip_forward is: apply/side_effects.hpp).
struct JournalSide {
  std::string path;                  ///< relative /proc/sys path
  std::string before;                ///< before the transaction
  std::optional<std::string> after;  ///< after its writes; nullopt: it did not finish them
};

struct JournalFragment {
  std::string path;                     ///< in-root path
  std::optional<std::string> previous;  ///< bytes before; nullopt: there was no file
  int previous_mode = 0644;
  std::optional<std::string> written;  ///< bytes the transaction writes
};

/// A file `apply --fix-files` changes besides the fragment: an administrator's file whose
/// condemned lines it comments out ("edit"), or a mask it creates in /etc/sysctl.d for a vendor
/// file ("mask": a same-named file holding the vendor file's other lines).
struct JournalFileEdit {
  std::string path;                     ///< in-root path of the file replaced or created
  std::string kind = "edit";            ///< "edit" | "mask"
  std::string masks;                    ///< mask: the in-root vendor file it replaces at boot
  std::optional<std::string> previous;  ///< bytes before; nullopt: there was no file (a mask)
  int previous_mode = 0644;
  long previous_uid = 0;
  long previous_gid = 0;
  std::string written;                ///< bytes the transaction writes
  std::vector<std::string> disabled;  ///< "LINE: TEXT (reason)", for people reading the journal
};

struct JournalEntry {
  std::string id;
  /// The order of transactions: one more than the largest in the journal when it began (the
  /// id holds the wall-clock time, which can step back). 0 in entries written before it.
  long seq = 0;
  TxnState state = TxnState::pending;
  std::string version;  ///< tcptune's
  std::string profile;
  std::string started;   ///< UTC, ISO 8601
  std::string finished;  ///< when it reached its last state
  long pid = 0;
  std::string netns;     ///< "" for the namespace tcptune runs in
  std::string netns_id;  ///< "dev:ino" of that namespace, to recognise it at rollback
  /// SO_NETNS_COOKIE of that namespace (Linux 5.14+): inode numbers are reused once a
  /// namespace is gone, cookies never are. nullopt on older kernels and in old entries.
  std::optional<std::uint64_t> netns_cookie;
  std::string mode;  ///< "live+persist" | "live-only" | "persist-only"
  std::optional<JournalFragment> fragment;
  std::vector<JournalKey> keys;        ///< live writes, in order
  std::vector<JournalSide> side;       ///< values the kernel rewrites when `keys` are written
  std::vector<JournalFileEdit> edits;  ///< --fix-files, in order (written before the fragment)
  std::vector<std::string> errors;     ///< why it failed
  std::vector<std::string> left;       ///< what a rollback could not restore
  std::vector<std::string> notes;      ///< what a rollback found but did not need to restore
  std::string rolled_back_by;          ///< "apply" (its own failure) | "rollback"
  std::string rollback_started;        ///< when `tcptune rollback` began restoring
};

/// JSON text (schema tcptune.journal/1) and back. Parse errors name the problem.
std::string journal_to_json(const JournalEntry& e);
Result<JournalEntry> journal_from_json(const std::string& text, const std::string& shown);

/// The journal directory under a root.
class Journal {
 public:
  explicit Journal(std::string root) : m_root(std::move(root)) {}

  struct Item {
    std::string id;
    std::string file;                   ///< host path, for messages
    std::optional<JournalEntry> entry;  ///< nullopt when unreadable or corrupt
    std::string error;                  ///< why it could not be read
  };
  /// Every entry, oldest first: by seq (entries without one first, by id), then by id. An
  /// absent directory is an empty journal.
  [[nodiscard]] Result<std::vector<Item>> list() const;

  /// The seq of a new transaction: one more than the largest in `items`.
  static long next_seq(const std::vector<Item>& items);

  /// A new id from the time ("20261121T142800Z-01"), unique in the directory.
  [[nodiscard]] std::string new_id() const;

  /// Writes the entry atomically (creating the directory, mode 0700).
  [[nodiscard]] Result<void> save(const JournalEntry& e) const;

  [[nodiscard]] std::string file_of(const std::string& id) const;

  /// Retention: removes the oldest finished entries (committed or rolled back) until at most
  /// `keep` finished ones are left; `items` as list() returned them. Never removes an entry
  /// that is pending, whose rollback failed, or that cannot be read: those need a person. 0
  /// keeps everything. Under the lock. Returns the ids removed; a removal that fails is left
  /// for the next run (the entry stays valid).
  std::vector<std::string> prune(const std::vector<Item>& items, std::size_t keep) const;

  /// Removes the temporary files of saves killed mid-way (their writer is dead); under the
  /// lock. Returns how many.
  int remove_stale_temp_files() const;

 private:
  std::string m_root;
};

/// UTC now as "2026-11-21T14:28:00Z".
std::string utc_now();

}  // namespace tcptune
