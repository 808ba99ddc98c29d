#include "apply/journal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <memory>

#include "apply/file_fix.hpp"
#include "apply/fragment.hpp"
#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"
#include "sys/root_fs.hpp"
#include "sys/safe_fs.hpp"

namespace tcptune {

namespace {

constexpr std::size_t k_max_journal_bytes = 16u << 20;  // fragments are at most 4 MiB, twice

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
           c == '_';
  });
}

// A journal is read back by a process running as root: its paths must be what apply could
// have written (keys inside /proc/sys, a fragment in a sysctl.d directory).
Result<void, std::string> check_paths(const JournalEntry& e) {
  for (const JournalKey& k : e.keys) {
    NormalizedKey nk = normalize_key(k.path);
    if (nk.problem != KeyProblem::none || nk.glob || nk.path != k.path)
      return cat("key path '", k.path, "' is not a valid /proc/sys path");
  }
  for (const JournalSide& s : e.side) {
    NormalizedKey nk = normalize_key(s.path);
    if (nk.problem != KeyProblem::none || nk.glob || nk.path != s.path)
      return cat("side path '", s.path, "' is not a valid /proc/sys path");
  }
  if (e.fragment) {
    if (auto p = check_fragment_path(e.fragment->path); !p.ok())
      return cat("fragment path '", e.fragment->path, "': ", p.error());
  }
  for (const JournalFileEdit& f : e.edits) {
    if (auto p = check_edit_path(f.path, f.kind == "mask" ? EditKind::mask : EditKind::edit);
        !p.ok())
      return cat("edited file '", f.path, "': ", p.error());
    if (f.kind == "mask" && f.previous) return cat("mask '", f.path, "' had previous bytes");
  }
  return {};
}

}  // namespace

std::string_view to_string(TxnState s) {
  switch (s) {
    case TxnState::pending:
      return "pending";
    case TxnState::committed:
      return "committed";
    case TxnState::rolled_back:
      return "rolled-back";
    case TxnState::rollback_failed:
      return "rollback-failed";
  }
  return "pending";
}

std::optional<TxnState> parse_txn_state(std::string_view s) {
  for (TxnState t :
       {TxnState::pending, TxnState::committed, TxnState::rolled_back, TxnState::rollback_failed}) {
    if (to_string(t) == s) return t;
  }
  return std::nullopt;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Journal::file_of(const std::string& id) const {
  return RootFs(m_root).host_path(std::string(k_journal_dir) + "/" + id + ".json");
}

Result<std::vector<Journal::Item>> Journal::list() const {
  std::vector<Item> out;
  Result<UniqueFd> dir = open_in_root(m_root, k_journal_dir, O_RDONLY | O_DIRECTORY);
  if (!dir.ok()) {
    if (dir.error().err == ENOENT) return out;
    return dir.error();
  }
  int dupfd = ::dup(dir.value().get());
  if (dupfd < 0) return SysError{errno, file_of(""), ""};
  std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(dupfd), &::closedir);
  if (!d) {
    ::close(dupfd);
    return SysError{errno, file_of(""), ""};
  }
  std::vector<std::string> ids;
  while (const dirent* de = ::readdir(d.get())) {
    std::string name = de->d_name;
    if (name.size() <= 5 || name.front() == '.' || name.compare(name.size() - 5, 5, ".json") != 0)
      continue;
    ids.push_back(name.substr(0, name.size() - 5));
    if (ids.size() > 100000) break;
  }
  std::sort(ids.begin(), ids.end());
  for (const std::string& id : ids) {
    Item it;
    it.id = id;
    it.file = file_of(id);
    Result<std::string> text =
        read_at(dir.value().get(), id + ".json", it.file, k_max_journal_bytes, std::nullopt);
    if (!text.ok()) {
      it.error = text.error().message();
    } else {
      Result<JournalEntry> e = journal_from_json(text.value(), it.file);
      if (!e.ok()) {
        it.error = e.error().message();
      } else if (e.value().id != id) {
        it.error = it.file + ": its id '" + e.value().id + "' does not match the file name";
      } else if (auto checked = check_paths(e.value()); !checked.ok()) {
        it.error = it.file + ": " + checked.error();
      } else {
        it.entry = std::move(e.value());
      }
    }
    out.push_back(std::move(it));
  }
  // Unreadable entries keep their place by id among those without a seq.
  std::stable_sort(out.begin(), out.end(), [](const Item& a, const Item& b) {
    long sa = a.entry ? a.entry->seq : 0;
    long sb = b.entry ? b.entry->seq : 0;
    return sa != sb ? sa < sb : a.id < b.id;
  });
  return out;
}

long Journal::next_seq(const std::vector<Item>& items) {
  long seq = 0;
  for (const Item& it : items) {
    if (it.entry) seq = std::max(seq, it.entry->seq);
  }
  return seq + 1;
}

std::string Journal::new_id() const {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  Result<UniqueFd> dir = open_in_root(m_root, k_journal_dir, O_RDONLY | O_DIRECTORY);
  for (int n = 1; n < 100; ++n) {
    char id[48];
    std::snprintf(id, sizeof id, "%s-%02d", buf, n);
    if (!dir.ok()) return id;
    Result<std::optional<EntryId>> e =
        entry_at(dir.value().get(), std::string(id) + ".json", file_of(id));
    if (e.ok() && !e.value()) return id;
  }
  return std::string(buf) + "-" + std::to_string(::getpid());
}

std::vector<std::string> Journal::prune(const std::vector<Item>& items, std::size_t keep) const {
  std::vector<std::string> removed;
  if (keep == 0) return removed;
  auto finished = [](const Item& it) {
    return it.entry &&
           (it.entry->state == TxnState::committed || it.entry->state == TxnState::rolled_back);
  };
  std::size_t count = static_cast<std::size_t>(std::count_if(items.begin(), items.end(), finished));
  if (count <= keep) return removed;
  Result<UniqueFd> dir = open_in_root(m_root, k_journal_dir, O_RDONLY | O_DIRECTORY);
  if (!dir.ok()) return removed;
  for (const Item& it : items) {  // oldest first
    if (count <= keep) break;
    if (!finished(it)) continue;
    if (::unlinkat(dir.value().get(), (it.id + ".json").c_str(), 0) != 0) continue;
    removed.push_back(it.id);
    --count;
  }
  if (!removed.empty()) ::fsync(dir.value().get());
  return removed;
}

int Journal::remove_stale_temp_files() const {
  Result<UniqueFd> dir = open_in_root(m_root, k_journal_dir, O_RDONLY | O_DIRECTORY);
  if (!dir.ok()) return 0;
  return remove_dead_temp_files(dir.value().get());
}

Result<void> Journal::save(const JournalEntry& e) const {
  if (!valid_id(e.id)) return SysError{EINVAL, file_of(e.id), "invalid transaction id"};
  Result<UniqueFd> dir = ensure_dir_in_root(m_root, k_journal_dir, 0700);
  if (!dir.ok()) return dir.error();
  Expect any;
  return replace_at(dir.value().get(), e.id + ".json", journal_to_json(e), 0600, any,
                    file_of(e.id));
}

}  // namespace tcptune
