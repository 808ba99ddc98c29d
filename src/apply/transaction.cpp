#include "apply/transaction.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "apply/fragment.hpp"
#include "apply/side_effects.hpp"
#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"

namespace tcptune {

namespace {

constexpr std::size_t k_max_fragment_bytes = 4u << 20;

std::string show_value(const std::optional<std::string>& v) {
  return v ? "'" + *v + "'" : "(absent)";
}

// Writes `value` and reads it back: done when the kernel holds exactly the value, else why not.
// `held` gets what the kernel holds after the write, when it could be read back.
Result<void, std::string> write_verified(WriteSide& io, const std::string& path,
                                         const std::string& key, const std::string& value,
                                         Step step,
                                         const std::optional<std::string>& raw = std::nullopt,
                                         std::optional<std::string>* held = nullptr) {
  Result<void> w = io.write_live(path, value, raw, step);
  if (!w.ok()) return cat(key, ": the kernel refused '", value, "': ", w.error().message());
  KeyRead r = io.read_back(path, step);
  if (r.status != KeyStatus::value)
    return cat(key, ": cannot read it back: ",
               r.status == KeyStatus::absent ? std::string("the key is gone") : r.error.message());
  if (held != nullptr) *held = r.value;
  if (!same_value(r.value, value))
    return cat(key, ": wrote '", value, "', the kernel holds '", r.value,
               "' (it clamped or rewrote the value)");
  return {};
}

// Writes one --fix-files edit (or creates a mask): done, or why not.
Result<void, std::string> write_edit(const JournalFileEdit& fe, const RootFs& fs, WriteSide& io) {
  PathParts sp = split_in_root(fe.path);
  std::string shown = fs.host_path(fe.path);
  // A mask may be the first file of /etc/sysctl.d.
  Result<UniqueFd> dir = fe.kind == "mask"
                             ? ensure_dir_in_root(fs.root(), sp.dir, 0755)
                             : open_in_root(fs.root(), sp.dir, O_RDONLY | O_DIRECTORY);
  if (!dir.ok()) return cat(shown, ": ", dir.error().message());
  Result<FragmentState> now = inspect_fragment(fs, fe.path);
  if (!now.ok()) return now.error().message();
  if (now.value().bytes != fe.previous) return cat(shown, " changed after tcptune read it");
  Expect ex;
  ex.kind = now.value().id ? Expect::Kind::same_file : Expect::Kind::absent;
  if (now.value().id) ex.id = *now.value().id;
  FileOwner owner{static_cast<uid_t>(fe.previous_uid), static_cast<gid_t>(fe.previous_gid)};
  Result<void> w =
      io.replace_config(dir.value().get(), sp.name, fe.written,
                        static_cast<mode_t>(fe.previous_mode), owner, ex, shown, Step::apply);
  if (!w.ok()) return w.error().message();
  return {};
}

// Puts one --fix-files file back: the previous bytes, mode and owner of an edited file; a mask
// removed. Adds to the report.
void restore_edit(const JournalFileEdit& fe, const RootFs& fs, WriteSide& io, Force force,
                  RestoreReport& rep) {
  std::string shown = fs.host_path(fe.path);
  PathParts sp = split_in_root(fe.path);
  std::string what = (fe.kind == "mask" ? "mask " : "edited file ") + shown;
  std::string problem;
  Result<UniqueFd> dir = open_in_root(fs.root(), sp.dir, O_RDONLY | O_DIRECTORY);
  if (dir.ok()) remove_temp_files(dir.value().get(), sp.name);  // a crash mid-write
  Result<FragmentState> now = inspect_fragment(fs, fe.path);
  Result<EntryType> type = fs.entry_type(fe.path);
  if (!now.ok() && type.ok() && type.value() == EntryType::symlink) {
    rep.notes.push_back(what +
                        " was replaced by a symbolic link tcptune did not create; it is "
                        "left alone");
    return;
  }
  if (!now.ok()) {
    problem = now.error().message();
  } else if (now.value().bytes == fe.previous) {
    return;  // already as before
  } else if (now.value().bytes != fe.written && force == Force::no) {
    problem = now.value().bytes ? "its content changed since the transaction (--force restores it)"
                                : "it was removed since the transaction (--force restores it)";
  } else if (!dir.ok()) {
    problem = dir.error().message();
  } else if (fe.previous) {
    Expect ex;
    ex.kind = now.value().id ? Expect::Kind::same_file : Expect::Kind::absent;
    if (now.value().id) ex.id = *now.value().id;
    FileOwner owner{static_cast<uid_t>(fe.previous_uid), static_cast<gid_t>(fe.previous_gid)};
    Result<void> w =
        io.replace_config(dir.value().get(), sp.name, *fe.previous,
                          static_cast<mode_t>(fe.previous_mode), owner, ex, shown, Step::rollback);
    if (!w.ok()) problem = w.error().message();
  } else if (now.value().id) {
    Result<void> w =
        io.remove_config(dir.value().get(), sp.name, *now.value().id, shown, Step::rollback);
    if (!w.ok()) problem = w.error().message();
  }
  if (problem.empty()) {
    rep.restored.push_back(what + (fe.previous ? " restored" : " removed"));
    return;
  }
  rep.left.push_back(
      what + " is not as before (" +
      (fe.previous ? "it should hold its previous " + std::to_string(fe.previous->size()) + " bytes"
                   : std::string("it should not exist")) +
      "): " + problem);
}

}  // namespace

bool same_value(std::string_view a, std::string_view b) { return split_ws(a) == split_ws(b); }

Result<FragmentState> inspect_fragment(const RootFs& fs, const std::string& in_root) {
  FragmentState st;
  PathParts sp = split_in_root(in_root);
  std::string shown = fs.host_path(in_root);
  Result<UniqueFd> dir = open_in_root(fs.root(), sp.dir, O_RDONLY | O_DIRECTORY);
  if (!dir.ok()) {
    if (dir.error().err == ENOENT) return st;
    if (dir.error().err == ELOOP) {
      // Name the link: /etc/sysctl.d itself, or a parent.
      std::string prefix;
      for (std::string_view part : split(sp.dir, '/')) {
        if (part.empty()) continue;
        prefix += '/';
        prefix += part;
        Result<EntryType> t = fs.entry_type(prefix);
        if (!t.ok() || t.value() != EntryType::symlink) continue;
        Result<std::string> target = fs.read_link(prefix);
        return SysError{ELOOP, fs.host_path(prefix),
                        "is a symbolic link" +
                            (target.ok() ? " (to " + target.value() + ")" : std::string()) +
                            "; tcptune writes its fragment only through real directories: "
                            "replace the link with the directory it points to, or choose a "
                            "--fragment in another sysctl.d directory"};
      }
    }
    return dir.error();
  }
  Result<std::optional<EntryId>> e = entry_at(dir.value().get(), sp.name, shown);
  if (!e.ok()) return e.error();
  if (!e.value()) return st;
  if (e.value()->is_symlink())
    return SysError{ELOOP, shown, "is a symbolic link; tcptune never writes through one"};
  if (!e.value()->is_regular()) return SysError{EINVAL, shown, "is not a regular file"};
  Result<std::string> bytes =
      read_at(dir.value().get(), sp.name, shown, k_max_fragment_bytes, e.value());
  if (!bytes.ok()) return bytes.error();
  st.id = e.value();
  st.bytes = std::move(bytes.value());
  st.mode = static_cast<int>(e.value()->mode & 07777);
  return st;
}

TxnOutcome run_transaction(JournalEntry& entry, const RootFs& fs, const ProcSys& proc,
                           WriteSide& io) {
  TxnOutcome out;
  entry.state = TxnState::pending;
  // The per-interface values the kernel rewrites along with some keys, before anything is.
  snapshot_side_values(entry, proc);
  // 1. The journal entry, before anything else is touched.
  if (Result<void> s = io.save_journal(entry); !s.ok()) {
    out.journal_failed = true;
    out.errors.push_back("cannot write the journal: " + s.error().message());
    out.state = TxnState::rolled_back;
    return out;
  }
  std::string failure;

  // 2. The files --fix-files edits (and the masks it creates), each atomically.
  for (const JournalFileEdit& fe : entry.edits) {
    if (!failure.empty()) break;
    if (Result<void, std::string> w = write_edit(fe, fs, io); !w.ok()) failure = w.error();
  }

  // 3. The fragment, atomically.
  if (failure.empty() && entry.fragment && entry.fragment->written) {
    const JournalFragment& jf = *entry.fragment;
    PathParts sp = split_in_root(jf.path);
    std::string shown = fs.host_path(jf.path);
    Result<UniqueFd> dir = ensure_dir_in_root(fs.root(), sp.dir, 0755);
    if (!dir.ok()) {
      failure = "fragment: " + dir.error().message();
    } else {
      Result<FragmentState> now = inspect_fragment(fs, jf.path);
      Expect ex;
      if (!now.ok()) {
        failure = "fragment: " + now.error().message();
      } else if (now.value().bytes != jf.previous) {
        failure = "fragment: " + shown + " changed after tcptune read it";
      } else {
        ex.kind = now.value().id ? Expect::Kind::same_file : Expect::Kind::absent;
        if (now.value().id) ex.id = *now.value().id;
        Result<void> w =
            io.replace_file(dir.value().get(), sp.name, *jf.written, 0644, ex, shown, Step::apply);
        if (!w.ok()) failure = "fragment: " + w.error().message();
      }
    }
  }

  // 4. Live values, each read back.
  for (JournalKey& k : entry.keys) {
    if (!failure.empty()) break;
    Result<void, std::string> w =
        write_verified(io, k.path, k.key, k.target, Step::apply, std::nullopt, &k.after);
    if (w.ok()) {
      out.written.push_back(k.key);
      continue;
    }
    failure = w.error();
    if (k.after && !same_value(*k.after, k.target)) {
      // The kernel rewrote the value ("0x607" reads "1543"): journal what it holds before the
      // rollback starts, so that a crash during it leaves an entry the next rollback accepts.
      if (Result<void> s = io.save_journal(entry); !s.ok())
        entry.errors.push_back("cannot record " + k.key +
                               "'s value in the journal: " + s.error().message());
    }
  }
  record_side_after(entry, proc);

  // 5. Commit.
  if (failure.empty()) {
    entry.state = TxnState::committed;
    entry.finished = utc_now();
    if (Result<void> s = io.save_journal(entry); s.ok()) {
      out.state = TxnState::committed;
      return out;
    } else {
      entry.state = TxnState::pending;
      entry.finished.clear();
      failure = "cannot mark the journal entry committed: " + s.error().message();
    }
  }

  // 6. Failure: undo everything.
  out.errors.push_back(failure);
  entry.errors.push_back(failure);
  RollBackOutcome r = roll_back(entry, fs, proc, io, Force::no, "apply");
  out.left = r.report.left;
  if (!r.saved.ok())
    out.errors.push_back("cannot record the rollback in the journal (the entry stays pending): " +
                         r.saved.error().message());
  out.state = entry.state;
  return out;
}

RollBackOutcome roll_back(JournalEntry& entry, const RootFs& fs, const ProcSys& proc, WriteSide& io,
                          Force force, const std::string& by) {
  RestoreReport r = restore(entry, fs, proc, io, force);
  entry.left = r.left;
  entry.notes.insert(entry.notes.end(), r.notes.begin(), r.notes.end());
  entry.state = r.left.empty() ? TxnState::rolled_back : TxnState::rollback_failed;
  entry.rolled_back_by = by;
  entry.finished = utc_now();
  Result<void> saved = io.save_journal(entry);
  return {std::move(r), std::move(saved)};
}

std::vector<std::string> rollback_drift(const JournalEntry& entry, const RootFs& fs,
                                        const ProcSys& proc) {
  std::vector<std::string> out;
  bool finished = entry.state == TxnState::committed;
  for (const JournalKey& k : entry.keys) {
    KeyRead r = proc.read(k.path);
    if (r.status != KeyStatus::value) {
      if (k.before)
        out.push_back(k.key + ": " +
                      (r.status == KeyStatus::absent ? std::string("the key no longer exists")
                                                     : r.error.message()));
      continue;
    }
    bool ok = same_value(r.value, k.target) || (k.after && same_value(r.value, *k.after)) ||
              (!finished && k.before && same_value(r.value, *k.before));
    if (!ok)
      out.push_back(k.key + ": the transaction wrote '" + k.target + "', the kernel now holds '" +
                    r.value + "' (changed since)");
  }
  if (entry.fragment && entry.fragment->written) {
    const JournalFragment& jf = *entry.fragment;
    std::string shown = fs.host_path(jf.path);
    Result<FragmentState> now = inspect_fragment(fs, jf.path);
    if (!now.ok()) {
      out.push_back("fragment " + now.error().message());
    } else {
      bool ok = now.value().bytes == jf.written || (!finished && now.value().bytes == jf.previous);
      if (!ok)
        out.push_back("fragment " + shown + ": " +
                      (now.value().bytes ? "its content changed since the transaction"
                                         : "it was removed since the transaction"));
    }
  }
  for (const JournalFileEdit& fe : entry.edits) {
    std::string shown = fs.host_path(fe.path);
    Result<FragmentState> now = inspect_fragment(fs, fe.path);
    if (!now.ok()) {
      out.push_back("edited file " + now.error().message());
      continue;
    }
    bool ok = now.value().bytes == fe.written || (!finished && now.value().bytes == fe.previous);
    if (!ok)
      out.push_back((fe.kind == "mask" ? "mask " : "edited file ") + shown + ": " +
                    (now.value().bytes ? "its content changed since the transaction"
                                       : "it was removed since the transaction"));
  }
  return out;
}

RestoreReport restore(const JournalEntry& entry, const RootFs& fs, const ProcSys& proc,
                      WriteSide& io, Force force) {
  RestoreReport rep;
  // Read before anything is written back: writing a key back makes the kernel copy it over
  // every interface again.
  const std::vector<SideRestore> side = plan_side_restore(entry, proc);
  for (auto it = entry.keys.rbegin(); it != entry.keys.rend(); ++it) {
    const JournalKey& k = *it;
    if (!k.before) continue;  // the key did not exist: nothing was written
    KeyRead now = proc.read(k.path);
    if (now.status == KeyStatus::value && same_value(now.value, *k.before)) continue;
    Result<void, std::string> w =
        write_verified(io, k.path, k.key, *k.before, Step::rollback, k.before_raw);
    if (w.ok()) {
      rep.restored.push_back(k.key + " = " + *k.before);
    } else {
      KeyRead after = proc.read(k.path);
      rep.left.push_back(
          k.key + " is " +
          (after.status == KeyStatus::value ? "'" + after.value + "'" : std::string("unreadable")) +
          ", was " + show_value(k.before) + " before the transaction (" + w.error() + ")");
    }
  }
  for (const SideRestore& s : side) {
    KeyRead now = proc.read(s.path);
    if (now.status != KeyStatus::value || same_value(now.value, s.target)) continue;
    std::string key = path_to_key(s.path);
    Result<void, std::string> w = write_verified(io, s.path, key, s.target, Step::rollback);
    if (w.ok()) {
      rep.restored.push_back(key + " = " + s.target + " (the kernel rewrote it with " + s.cause +
                             ")");
    } else {
      KeyRead after = proc.read(s.path);
      rep.left.push_back(
          key + " is " +
          (after.status == KeyStatus::value ? "'" + after.value + "'" : std::string("unreadable")) +
          ", was '" + s.target + "' (the kernel rewrote it with " + s.cause + "): " + w.error());
    }
  }
  if (entry.fragment && entry.fragment->written) {
    const JournalFragment& jf = *entry.fragment;
    std::string shown = fs.host_path(jf.path);
    PathParts sp = split_in_root(jf.path);
    std::string problem;
    if (Result<UniqueFd> d = open_in_root(fs.root(), sp.dir, O_RDONLY | O_DIRECTORY); d.ok())
      remove_temp_files(d.value().get(), sp.name);  // left by a crash in the middle of a write
    Result<FragmentState> now = inspect_fragment(fs, jf.path);
    // tcptune never creates symbolic links: one at the fragment path is someone else's.
    Result<EntryType> type = fs.entry_type(jf.path);
    bool planted_link = !now.ok() && type.ok() && type.value() == EntryType::symlink;
    if (planted_link) {
      rep.notes.push_back("fragment " + shown +
                          " was replaced by a symbolic link tcptune did not create; it is left "
                          "alone");
    } else if (!now.ok()) {
      problem = now.error().message();
    } else if (now.value().bytes == jf.previous) {
      // already as before
    } else if (now.value().bytes && now.value().bytes != jf.written &&
               !written_by_tcptune(*now.value().bytes)) {
      // Someone else's file: nothing of tcptune's is there to undo, and it is never touched.
      rep.notes.push_back("fragment " + shown +
                          " was replaced by a file tcptune did not write; it is left alone");
    } else if (now.value().bytes && now.value().bytes != jf.written && force == Force::no) {
      problem = "its content changed since the transaction (--force restores it)";
    } else {
      Result<UniqueFd> dir = jf.previous ? ensure_dir_in_root(fs.root(), sp.dir, 0755)
                                         : open_in_root(fs.root(), sp.dir, O_RDONLY | O_DIRECTORY);
      if (!dir.ok()) {
        problem = dir.error().message();
      } else if (jf.previous) {
        Expect ex;
        ex.kind = now.value().id ? Expect::Kind::same_file : Expect::Kind::absent;
        if (now.value().id) ex.id = *now.value().id;
        Result<void> w =
            io.replace_file(dir.value().get(), sp.name, *jf.previous,
                            static_cast<mode_t>(jf.previous_mode), ex, shown, Step::rollback);
        if (!w.ok()) problem = w.error().message();
      } else if (now.value().id) {
        Result<void> w =
            io.remove_file(dir.value().get(), sp.name, *now.value().id, shown, Step::rollback);
        if (!w.ok()) problem = w.error().message();
      }
      if (problem.empty())
        rep.restored.push_back(jf.previous ? "fragment " + shown + " restored"
                                           : "fragment " + shown + " removed");
    }
    if (!problem.empty()) {
      rep.left.push_back("fragment " + shown + " is not as before (" +
                         (jf.previous ? "it should hold its previous " +
                                            std::to_string(jf.previous->size()) + " bytes"
                                      : std::string("it should not exist")) +
                         "): " + problem);
    }
  }
  // The --fix-files edits last, in reverse order (they were written first).
  for (auto it = entry.edits.rbegin(); it != entry.edits.rend(); ++it)
    restore_edit(*it, fs, io, force, rep);
  return rep;
}

RollbackPreview preview_rollback(const JournalEntry& entry, const RootFs& fs, const ProcSys& proc) {
  RollbackPreview p;
  for (auto it = entry.keys.rbegin(); it != entry.keys.rend(); ++it) {
    const JournalKey& k = *it;
    if (!k.before) continue;
    KeyRead now = proc.read(k.path);
    if (now.status == KeyStatus::value && same_value(now.value, *k.before)) continue;
    p.keys.push_back(
        {k.key,
         now.status == KeyStatus::value ? std::optional<std::string>(now.value) : std::nullopt,
         *k.before});
  }
  if (entry.fragment && entry.fragment->written) {
    const JournalFragment& jf = *entry.fragment;
    std::string shown = fs.host_path(jf.path);
    Result<FragmentState> now = inspect_fragment(fs, jf.path);
    if (!now.ok()) {
      p.notes.push_back("fragment " + now.error().message());
    } else if (now.value().bytes == jf.previous) {
      // already as before
    } else if (now.value().bytes && now.value().bytes != jf.written &&
               !written_by_tcptune(*now.value().bytes)) {
      p.notes.push_back("fragment " + shown +
                        " was replaced by a file tcptune did not write; it would be left alone");
    } else {
      p.fragment_change = true;
      p.fragment_path = jf.path;
      p.fragment_current = now.value().bytes;
      p.fragment_restore = jf.previous;
    }
  }
  for (auto it = entry.edits.rbegin(); it != entry.edits.rend(); ++it) {
    Result<FragmentState> now = inspect_fragment(fs, it->path);
    if (!now.ok()) {
      p.notes.push_back((it->kind == "mask" ? "mask " : "edited file ") + now.error().message());
    } else if (now.value().bytes != it->previous) {
      p.files.push_back(
          {it->path, fs.host_path(it->path), it->kind, now.value().bytes, it->previous});
    }
  }
  return p;
}

}  // namespace tcptune
