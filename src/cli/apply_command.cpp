// tcptune apply, rollback and history: the transactional applier (DESIGN.md "The transaction").

#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <ostream>
#include <set>

#include "apply/fix_files.hpp"
#include "apply/fragment.hpp"
#include "apply/journal.hpp"
#include "apply/plan.hpp"
#include "apply/transaction.hpp"
#include "apply/write_side.hpp"
#include "cli/commands.hpp"
#include "config/sysctl_d_set.hpp"
#include "core/kernel_version.hpp"
#include "core/version.hpp"
#include "engine/host_facts.hpp"
#include "engine/lint.hpp"
#include "engine/profiles.hpp"
#include "render/apply_render.hpp"
#include "sys/netns.hpp"
#include "sys/proc_sys.hpp"
#include "sys/safe_fs.hpp"

namespace po = boost::program_options;

namespace tcptune {

namespace {

const char* k_apply_usage =
    "usage: tcptune apply --profile P [--dry-run] [--fragment PATH] [--live-only|--persist-only]\n"
    "                     [--netns NAME|PATH] [--allow-shadowed] [--semantics systemd|procps]\n"
    "                     [--journal-keep N] [--persist] [--fix-files]\n"
    "\n"
    "Brings the host to profile P in one transaction: a journal entry under\n"
    "/var/lib/tcptune, the sysctl.d fragment (default /etc/sysctl.d/99-tcptune.conf) written\n"
    "atomically, then each live value written and read back. Any failure restores every live\n"
    "value and the previous fragment. Only keys whose live or boot-time value misses the\n"
    "profile are touched.\n"
    "\n"
    "--dry-run         print the changes and the exact fragment text; change nothing\n"
    "--fragment PATH   another fragment file in a sysctl.d directory (*.conf)\n"
    "--live-only       change the live values only (lost at reboot)\n"
    "--persist-only    write the fragment only (takes effect at boot)\n"
    "--netns NAME|PATH live values in that network namespace only, plus a Kubernetes pod\n"
    "                  securityContext snippet\n"
    "--persist         in a network namespace other than the initial one (ip netns exec X\n"
    "                  tcptune apply), write the host-wide sysctl.d fragment too; without it\n"
    "                  apply there changes that namespace's live values only, and says so\n"
    "--allow-shadowed  go ahead although a later sysctl.d file (or /etc/sysctl.conf) sets a key\n"
    "                  of the fragment, so that it wins at boot (or has lines tcptune cannot\n"
    "                  read, which may)\n"
    "--fix-files       in the same transaction, comment out the lines of other sysctl files\n"
    "                  that would override the fragment at boot with another value, set a key\n"
    "                  the profile wants absent, or that a rule condemns for a key of the\n"
    "                  profile (\"# disabled by tcptune ID: REASON\" above each); a vendor file\n"
    "                  (/usr/lib, /lib, /usr/local/lib, /run) is never edited but masked by a\n"
    "                  same-named file in /etc/sysctl.d; the previous bytes go to the journal\n"
    "                  and `tcptune rollback` restores them; with --dry-run, a unified diff\n"
    "                  of every file it would edit\n"
    "--journal-keep N  keep the N newest finished transactions in the journal (default 100,\n"
    "                  0 keeps all); unfinished ones are never removed\n"
    "\n"
    "Exit: 0 applied or nothing to do, 1 changes pending (--dry-run), 2 invalid input,\n"
    "3 refused before touching anything (not root, read-only /proc/sys, another apply running,\n"
    "an unfinished transaction, a shadowed or foreign fragment, a symbolic link in the fragment\n"
    "path, a fragment named like a file in another sysctl.d directory, a required key\n"
    "missing), 4 failed and rolled back,\n"
    "5 failed and the rollback is incomplete (what is left is printed).\n";

const char* k_rollback_usage =
    "usage: tcptune rollback [ID] [--force] [--dry-run] [--journal-keep N]\n"
    "\n"
    "Restores the live values and the sysctl.d fragment as they were before transaction ID,\n"
    "and the other sysctl files that apply edited (byte for byte; the masks it made are\n"
    "removed).\n"
    "Without ID: an unfinished transaction (interrupted, or whose rollback failed) if there is\n"
    "one, else the last committed one. Refuses when a key's live value or the fragment changed\n"
    "since the transaction, naming it; --force restores anyway (a file tcptune did not write is\n"
    "never touched). See `tcptune history`.\n"
    "\n"
    "--force           restore although a live value or the fragment changed since\n"
    "--dry-run         print what would be restored (each live value now and before; with\n"
    "                  --format json also the fragment's bytes now and before); change nothing,\n"
    "                  take no lock, need no root\n"
    "--journal-keep N  keep the N newest finished transactions in the journal (default 100,\n"
    "                  0 keeps all); unfinished ones are never removed\n"
    "\n"
    "Exit: 0 restored (--dry-run: nothing to restore), 1 --dry-run: something would be\n"
    "restored, 2 unknown or corrupt transaction, 3 refused (changed since, lock held, not root,\n"
    "the journal cannot be written: nothing is restored then) or restored but the journal could\n"
    "not record it, 5 the rollback is incomplete (what is left is printed).\n";

const char* k_history_usage =
    "usage: tcptune history\n"
    "\n"
    "Lists the transactions in the journal (/var/lib/tcptune under --root), oldest first, with\n"
    "their state (pending, committed, rolled-back, rollback-failed), profile and keys.\n"
    "\n"
    "Formats: text (default), json (tcptune.history/1).\n"
    "Exit: 0, 2 when an entry cannot be read (corrupt or truncated), 3 system error.\n";

constexpr std::chrono::milliseconds k_lock_wait{2000};

// Whether the command writes live values (then /proc/sys must be writable) or files only.
enum class LiveWrites { no, yes };

// Root, a writable /proc/sys: checked before anything is touched.
void preflight(const Context& ctx, const ProcSys& proc, LiveWrites live) {
  if (ctx.fs.is_host_root() && ::geteuid() != 0) {
    throw SystemFailure(
        "this changes kernel settings and /etc/sysctl.d: it needs root (running "
        "as uid " +
        std::to_string(::geteuid()) + "); nothing was changed");
  }
  if (!proc.available())
    throw SystemFailure("no /proc/sys under " + ctx.fs.root() + "; nothing was changed");
  if (live == LiveWrites::yes && proc.read_only())
    throw SystemFailure(ctx.fs.host_path("/proc/sys") +
                        " is mounted read-only (a container without the right to change "
                        "sysctls?); nothing was changed");
}

FileLock take_lock(const Context& ctx) {
  long holder = 0;
  Result<FileLock> lock = FileLock::acquire(ctx.fs.root(), k_lock_path, k_lock_wait, &holder);
  if (!lock.ok()) {
    if (lock.error().err == EWOULDBLOCK) {
      throw SystemFailure("another tcptune apply or rollback is running (pid " +
                          (holder > 0 ? std::to_string(holder) : std::string("unknown")) +
                          " holds " + ctx.fs.host_path(k_lock_path) + "); nothing was changed");
    }
    throw SystemFailure("cannot take the lock: " + lock.error().message());
  }
  return std::move(lock.value());
}

std::vector<Journal::Item> journal_items(const Journal& journal) {
  Result<std::vector<Journal::Item>> items = journal.list();
  if (!items.ok()) throw SystemFailure("cannot read the journal: " + items.error().message());
  return std::move(items.value());
}

}  // namespace

void warn_unfinished_transactions(Context& ctx) {
  Journal journal(ctx.fs.root());
  Result<std::vector<Journal::Item>> items = journal.list();
  if (!items.ok()) return;
  for (const Journal::Item& it : items.value()) {
    if (!it.entry) continue;
    const JournalEntry& e = *it.entry;
    if (e.state == TxnState::pending) {
      ctx.err << "tcptune: warning: transaction " << e.id << " (profile " << e.profile
              << ", started " << e.started
              << ") did not finish (tcptune was interrupted); `tcptune rollback " << e.id
              << "` restores the state before it\n";
    } else if (e.state == TxnState::rollback_failed) {
      ctx.err << "tcptune: warning: transaction " << e.id
              << " failed and its rollback is incomplete; `tcptune history` shows what is left, "
                 "`tcptune rollback "
              << e.id << "` retries\n";
    }
  }
}

int cmd_apply(Context& ctx, const std::vector<std::string>& args) {
  po::options_description opts("apply options");
  CountOption journal_keep{k_journal_keep_default};
  std::string profile_opt;
  std::string fragment_opt = k_default_fragment;
  std::string netns;
  std::string semantics_opt;
  opts.add_options()("help,h", "show this help")("profile", po::value(&profile_opt), "profile")(
      "dry-run", "print, change nothing")("fragment", po::value(&fragment_opt), "fragment path")(
      "live-only", "live values only")("persist-only", "fragment only")("netns", po::value(&netns),
                                                                        "network namespace")(
      "allow-shadowed", "go ahead although later files win")("semantics", po::value(&semantics_opt),
                                                             "systemd or procps")(
      "journal-keep", po::value(&journal_keep), "finished transactions kept")(
      "persist", "write the sysctl.d fragment even from a non-initial network namespace")(
      "fix-files", "comment out the lines of other files that override the fragment");
  po::variables_map vm;
  parse_options(args, opts, vm);
  if (vm.count("help") != 0) {
    ctx.out << k_apply_usage;
    return 0;
  }
  OutputFormat format = ctx.format({"text", "json"});
  if (profile_opt.empty()) throw UsageError("apply needs --profile P (see tcptune profiles)");
  bool dry_run = vm.count("dry-run") != 0;
  bool live_only = vm.count("live-only") != 0;
  bool persist_only = vm.count("persist-only") != 0;
  bool allow_shadowed = vm.count("allow-shadowed") != 0;
  const bool fix_files = vm.count("fix-files") != 0;
  if (live_only && persist_only)
    throw UsageError("--live-only and --persist-only exclude each other");
  if (!netns.empty()) {
    if (persist_only)
      throw UsageError(
          "--netns changes live values only (sysctl.d is host-wide): drop "
          "--persist-only");
    if (vm.count("fragment") != 0)
      throw UsageError("--netns changes live values only (sysctl.d is host-wide): drop --fragment");
    live_only = true;
  }
  // `ip netns exec X tcptune apply`: the live values are X's, but /etc/sysctl.d is the host's,
  // and a fragment written for X's needs would retune the host at its next boot. Live values
  // only, with the snippet for the namespace's owner, unless told otherwise.
  const bool persist = vm.count("persist") != 0;
  std::string implicit_netns;
  if (persist && !netns.empty())
    throw UsageError("--persist writes the host-wide fragment: not with --netns");
  if (persist && live_only) throw UsageError("--persist and --live-only exclude each other");
  if (netns.empty() && !persist && ctx.fs.is_host_root() &&
      in_initial_netns() == std::optional<bool>(false)) {
    Result<std::string> id = netns_id("/proc/self/ns/net");
    implicit_netns = id.ok() ? id.value() : std::string("unknown");
    const std::string why = "tcptune runs in network namespace " + implicit_netns +
                            ", not the initial one, and the sysctl.d fragment is host-wide: ";
    if (persist_only) throw UsageError(why + "add --persist to write it anyway");
    if (vm.count("fragment") != 0) throw UsageError(why + "add --persist to write --fragment");
    live_only = true;
  }
  if (fix_files && live_only)
    throw UsageError(
        "--fix-files edits sysctl files: not with --live-only, --netns or, inside a non-initial "
        "network namespace, without --persist");
  if (auto checked = check_fragment_path(fragment_opt); !checked.ok())
    throw UsageError("--fragment " + fragment_opt + ": " + checked.error());
  const PathParts frag = split_in_root(fragment_opt);
  Semantics semantics = semantics_option(ctx, semantics_opt);
  Knowledge k = ctx.load_knowledge();
  auto resolved = resolve_profile(profile_opt, k.profiles);
  if (!resolved.ok()) throw UsageError("--profile: " + resolved.error());
  const ResolvedProfile& profile = resolved.value();
  enter_netns_option(ctx, netns);

  ProcSys proc(ctx.fs);
  std::optional<FileLock> lock;
  long next_seq = 1;
  std::vector<Journal::Item> items;  // the journal before this transaction (not for --dry-run)
  Journal journal(ctx.fs.root());
  ApplyReport report;
  report.version = std::string(version());
  report.profile = profile.name;
  report.profile_chain = profile.chain;
  const ApplyMode mode = live_only      ? ApplyMode::live_only
                         : persist_only ? ApplyMode::persist_only
                                        : ApplyMode::live_and_persist;
  report.mode = std::string(to_string(mode));
  report.netns = implicit_netns.empty() ? netns : implicit_netns;
  report.implicit_netns = !implicit_netns.empty();
  report.dry_run = dry_run;
  if (!dry_run) {
    // A refusal before anything is read (not root, read-only /proc/sys, the lock, an unfinished
    // transaction) is exit 3 like the others, and with --format json a tcptune.apply/1 report.
    try {
      preflight(ctx, proc, persist_only ? LiveWrites::no : LiveWrites::yes);
      lock.emplace(take_lock(ctx));
      journal.remove_stale_temp_files();
    } catch (const SystemFailure& e) {
      if (format != OutputFormat::json) throw;
      report.result = "refused";
      report.refusals.emplace_back(e.what());
      report.exit_code = static_cast<int>(ExitCode::system_error);
      ctx.out << render_apply(report, format, ctx.style);
      return report.exit_code;
    }
    items = journal_items(journal);
    next_seq = Journal::next_seq(items);
    for (const Journal::Item& it : items) {
      if (!it.entry)
        throw UsageError(it.error +
                         " (a journal entry tcptune cannot read: move it away after "
                         "checking the state by hand)");
      if (it.entry->state == TxnState::pending || it.entry->state == TxnState::rollback_failed) {
        std::string why = "transaction " + it.id + " is unfinished (" +
                          std::string(to_string(it.entry->state)) + "): run `tcptune rollback " +
                          it.id + "` first; nothing was changed";
        if (format != OutputFormat::json) throw SystemFailure(why);
        report.result = "refused";
        report.refusals.push_back(why);
        report.exit_code = static_cast<int>(ExitCode::system_error);
        ctx.out << render_apply(report, format, ctx.style);
        return report.exit_code;
      }
    }
  } else {
    warn_unfinished_transactions(ctx);
    if (!proc.available()) throw SystemFailure("no /proc/sys under " + ctx.fs.root());
  }

  // The inputs of the plan, read under the lock.
  FragmentState frag_now;
  PlanInput in;
  in.profile = &profile;
  in.keys = &k.keys;
  in.live = &proc;
  if (std::optional<std::string> rel = kernel_release(ctx.fs))
    in.kernel = parse_kernel_release(*rel);
  in.mode = mode;
  in.netns = implicit_netns.empty() ? netns : implicit_netns;
  in.allow_shadowed = allow_shadowed ? AllowShadowed::yes : AllowShadowed::no;
  in.fragment_path = fragment_opt;
  in.fragment_shown = ctx.fs.host_path(fragment_opt);
  if (mode != ApplyMode::live_only) {
    Result<FragmentState> st = inspect_fragment(ctx.fs, fragment_opt);
    if (!st.ok()) {
      in.fragment_problem = st.error().message();
    } else {
      in.fragment_bytes = st.value().bytes;
      frag_now = st.value();
      if (frag_now.bytes && !written_by_tcptune(*frag_now.bytes))
        in.fragment_problem = ctx.fs.host_path(fragment_opt) +
                              " exists and tcptune did not write it (its first line is not \"" +
                              std::string(k_fragment_marker) +
                              "\"); tcptune never overwrites it: choose another --fragment";
    }
    for (Semantics s : {Semantics::systemd, Semantics::procps}) {
      for (const std::string& d : sysctl_d_directories(s)) {
        std::string other = d + "/" + frag.name;
        if (d != frag.dir && ctx.fs.entry_type(other).ok() &&
            std::find(in.fragment_name_clashes.begin(), in.fragment_name_clashes.end(),
                      ctx.fs.host_path(other)) == in.fragment_name_clashes.end())
          in.fragment_name_clashes.push_back(ctx.fs.host_path(other));
      }
    }
  }
  ConfigSet set = load_host_config(ctx.fs, semantics);
  std::optional<ConfigSet> other_set;
  if (mode != ApplyMode::live_only)
    other_set = load_host_config(
        ctx.fs, semantics == Semantics::systemd ? Semantics::procps : Semantics::systemd);
  if (other_set) {
    in.boot_sets = semantics == Semantics::systemd
                       ? std::vector<const ConfigSet*>{&set, &*other_set}
                       : std::vector<const ConfigSet*>{&*other_set, &set};
  }
  if (in.netns.empty()) {
    in.persisted_now = persisted_values(set, resolve_config(set, &proc));
    ConfigSet without = without_fragment(set, frag.dir, frag.name);
    in.persisted_without_fragment = persisted_values(without, resolve_config(without, &proc));
  }
  std::string txn = journal.new_id();
  in.header = FragmentHeader{report.version, profile.name, txn, utc_now()};
  ApplyPlan plan = plan_apply(in);
  FileFixPlan fixes;
  if (fix_files) {
    LintOptions lo;
    lo.kernel = in.kernel;
    lo.live = in.live;
    fixes = fold_fix_files(
        plan, in, profile, frag, run_lint(set, k.keys, k.checks, lo).findings,
        [&](const std::string& p) { return read_fix_snapshot(ctx.fs, p); }, txn);
    report.fix_files = true;
    report.file_edits = fixes.edits;
  }

  report.changes = plan.changes;
  report.notes = plan.notes;
  report.kubernetes = plan.kubernetes;
  if (mode != ApplyMode::live_only) {
    report.fragment_path = fragment_opt;
    report.fragment_shown = in.fragment_shown;
    report.fragment_write = plan.fragment_write;
    if (plan.fragment_write) report.fragment_text = plan.fragment_text;
    report.fragment_current = frag_now.bytes;
    report.shadows = plan.shadows;
    report.shadows_allowed = allow_shadowed;
  }
  const std::vector<std::string>& refusals = plan.refusals;
  const bool pending = plan.pending;
  const bool write_fragment = plan.fragment_write;

  auto finish = [&](const std::string& result, ExitCode code) {
    report.result = result;
    report.exit_code = static_cast<int>(code);
    ctx.out << render_apply(report, format, ctx.style);
    return static_cast<int>(code);
  };
  if (dry_run) {
    report.refusals = refusals;
    return finish("dry-run", pending ? ExitCode::findings : ExitCode::ok);
  }
  if (!refusals.empty()) {
    report.refusals = refusals;
    return finish("refused", ExitCode::system_error);
  }
  if (!pending) return finish("nothing-to-do", ExitCode::ok);

  JournalEntry entry;
  entry.id = txn;
  entry.seq = next_seq;
  entry.version = report.version;
  entry.profile = profile.name;
  entry.started = in.header.time;
  entry.pid = static_cast<long>(::getpid());
  entry.netns = netns.empty() ? "" : netns_path(netns);
  if (!netns.empty()) {
    if (Result<std::string> id = netns_id(entry.netns); id.ok()) entry.netns_id = id.value();
    entry.netns_cookie = current_netns_cookie();  // the process is in that namespace now
  }
  // Changed from inside a non-initial namespace: rollback must run in the same one.
  if (!implicit_netns.empty()) entry.netns_id = implicit_netns;
  entry.mode = report.mode;
  if (write_fragment) {
    JournalFragment jf;
    jf.path = fragment_opt;
    jf.previous = frag_now.bytes;
    jf.previous_mode = frag_now.mode;
    jf.written = plan.fragment_text;
    entry.fragment = std::move(jf);
  }
  entry.keys = plan.writes;
  for (const PlannedEdit& pe : fixes.edits) entry.edits.push_back(pe.edit);
  report.transaction = txn;
  std::unique_ptr<WriteSide> io = make_write_side(proc, journal);
  TxnOutcome outcome = run_transaction(entry, ctx.fs, proc, *io);
  report.written = outcome.written;
  report.errors = outcome.errors;
  report.left = outcome.left;
  if (outcome.journal_failed) {
    report.transaction.clear();
    report.refusals = outcome.errors;
    report.errors.clear();
    return finish("refused", ExitCode::system_error);
  }
  // Retention, once the entry is final: the list read at the start plus this transaction.
  entry.state = outcome.state;
  items.push_back(Journal::Item{entry.id, journal.file_of(entry.id), entry, ""});
  (void)journal.prune(items, journal_keep.value);
  switch (outcome.state) {
    case TxnState::committed:
      return finish("committed", ExitCode::ok);
    case TxnState::rollback_failed:
      return finish("rollback-failed", ExitCode::rollback_incomplete);
    default:
      return finish("rolled-back", ExitCode::apply_rolled_back);
  }
}

int cmd_rollback(Context& ctx, const std::vector<std::string>& args) {
  po::options_description opts("rollback options");
  std::vector<std::string> ids;
  CountOption journal_keep{k_journal_keep_default};
  opts.add_options()("help,h", "show this help")("force", "restore although changed since")(
      "dry-run", "change nothing")("id", po::value(&ids), "transaction")(
      "journal-keep", po::value(&journal_keep), "finished transactions kept");
  po::variables_map vm;
  parse_options(args, opts, vm, "id");
  if (vm.count("help") != 0) {
    ctx.out << k_rollback_usage;
    return 0;
  }
  OutputFormat format = ctx.format({"text", "json"});
  if (ids.size() > 1) throw UsageError("rollback takes at most one transaction ID");
  bool force = vm.count("force") != 0;
  bool dry_run = vm.count("dry-run") != 0;
  ProcSys proc(ctx.fs);
  // A dry run writes nothing, not even the lock file: like `apply --dry-run` it needs neither
  // root nor the lock, and reads the journal as it is.
  std::optional<FileLock> lock;
  if (dry_run) {
    if (!proc.available()) throw SystemFailure("no /proc/sys under " + ctx.fs.root());
  } else {
    preflight(ctx, proc, LiveWrites::no);
    lock.emplace(take_lock(ctx));
  }
  Journal journal(ctx.fs.root());
  if (!dry_run) journal.remove_stale_temp_files();
  std::unique_ptr<WriteSide> io = make_write_side(proc, journal);
  std::vector<Journal::Item> items = journal_items(journal);
  const Journal::Item* chosen = nullptr;
  if (!ids.empty()) {
    for (const Journal::Item& it : items) {
      if (it.id == ids.front()) chosen = &it;
    }
    if (chosen == nullptr)
      throw UsageError("no transaction '" + ids.front() + "' in " + journal.file_of("*") +
                       " (see tcptune history)");
  } else {
    for (const Journal::Item& it : items) {
      if (!it.entry)
        throw UsageError("cannot tell which transaction to roll back: " + it.error +
                         "; name one (tcptune history)");
    }
    for (auto it = items.rbegin(); it != items.rend() && chosen == nullptr; ++it) {
      if (it->entry->state == TxnState::pending || it->entry->state == TxnState::rollback_failed)
        chosen = &*it;
    }
    for (auto it = items.rbegin(); it != items.rend() && chosen == nullptr; ++it) {
      if (it->entry->state == TxnState::committed) chosen = &*it;
    }
    if (chosen == nullptr) {
      if (!dry_run) throw UsageError("nothing to roll back (see tcptune history)");
      RollbackReport none;
      none.dry_run = true;
      none.result = "nothing-to-do";
      none.notes.push_back("no committed or unfinished transaction in the journal");
      ctx.out << render_rollback(none, format, ctx.style);
      return 0;
    }
  }
  if (!chosen->entry)
    throw UsageError(chosen->error + " (tcptune does not guess what it held: restore by hand)");
  JournalEntry entry = *chosen->entry;
  if (entry.state == TxnState::rolled_back) {
    if (!dry_run) throw UsageError("transaction " + entry.id + " is already rolled back");
    RollbackReport done;
    done.transaction = entry.id;
    done.profile = entry.profile;
    done.dry_run = true;
    done.result = "nothing-to-do";
    done.notes.push_back("transaction " + entry.id + " is already rolled back");
    ctx.out << render_rollback(done, format, ctx.style);
    return 0;
  }
  if (!dry_run && !entry.keys.empty() && proc.read_only())
    throw SystemFailure(ctx.fs.host_path("/proc/sys") +
                        " is mounted read-only: the live values cannot be restored here; "
                        "nothing was changed");
  if (!entry.netns.empty()) {
    // The namespace it changed may be gone, or its name now names another one: its values
    // went with it, and another namespace's values are not ours to write.
    auto gone = [&](const std::string& why) {
      if (dry_run) {
        RollbackReport preview;
        preview.transaction = entry.id;
        preview.profile = entry.profile;
        preview.dry_run = true;
        preview.result = "dry-run";
        preview.notes.push_back("network namespace " + entry.netns + why +
                                ": nothing to restore; a rollback would mark it rolled back");
        // Exit 1: the rollback would still change something (the journal entry's state).
        preview.exit_code = static_cast<int>(ExitCode::findings);
        ctx.out << render_rollback(preview, format, ctx.style);
        return preview.exit_code;
      }
      entry.notes.push_back("network namespace " + entry.netns + why +
                            ": the values the transaction wrote went with it");
      entry.state = TxnState::rolled_back;
      entry.rolled_back_by = "rollback";
      entry.finished = utc_now();
      if (Result<void> s = io->save_journal(entry); !s.ok())
        throw SystemFailure("cannot write the journal: " + s.error().message());
      RollbackReport report;
      report.transaction = entry.id;
      report.profile = entry.profile;
      report.result = "rolled-back";
      report.notes.push_back(entry.notes.back() + "; nothing to restore, marked rolled back");
      ctx.out << render_rollback(report, format, ctx.style);
      return 0;
    };
    Result<std::string> id = netns_id(entry.netns);
    if (!id.ok()) return gone(" no longer exists");
    if (!entry.netns_id.empty() && id.value() != entry.netns_id)
      return gone(" is another namespace now");
    Result<void> r = enter_netns(entry.netns);
    if (!r.ok())
      throw SystemFailure("transaction " + entry.id + " changed network namespace " + entry.netns +
                          ": " + r.error().message());
    // The same device and inode can be a new namespace: inode numbers are reused once one is
    // gone. Its cookie (Linux 5.14+) never is. Nothing has been written yet.
    std::optional<std::uint64_t> cookie = current_netns_cookie();
    if (entry.netns_cookie && cookie && *cookie != *entry.netns_cookie)
      return gone(" is another namespace now (same inode, another cookie)");
  }
  if (entry.netns.empty() && !entry.netns_id.empty() && ctx.fs.is_host_root()) {
    // apply ran inside that namespace (ip netns exec X tcptune apply): its values are there.
    Result<std::string> here = netns_id("/proc/self/ns/net");
    if (!here.ok() || here.value() != entry.netns_id)
      throw SystemFailure("transaction " + entry.id +
                          " changed the live values of network "
                          "namespace " +
                          entry.netns_id +
                          ", from inside it: run the rollback "
                          "there (ip netns exec NAME tcptune rollback); nothing was changed");
  }

  RollbackReport report;
  report.transaction = entry.id;
  report.profile = entry.profile;
  report.forced = force;
  report.dry_run = dry_run;
  report.drift = rollback_drift(entry, ctx.fs, proc);
  auto finish = [&](const std::string& result, ExitCode code) {
    report.result = result;
    report.exit_code = static_cast<int>(code);
    ctx.out << render_rollback(report, format, ctx.style);
    return static_cast<int>(code);
  };
  if (!report.drift.empty() && !force) return finish("refused", ExitCode::system_error);
  if (dry_run) {
    report.preview = preview_rollback(entry, ctx.fs, proc);
    report.fragment_shown = ctx.fs.host_path(report.preview.fragment_path);
    report.notes.insert(report.notes.end(), report.preview.notes.begin(),
                        report.preview.notes.end());
    bool pending = !report.preview.keys.empty() || report.preview.fragment_change ||
                   !report.preview.files.empty();
    return finish("dry-run", pending ? ExitCode::findings : ExitCode::ok);
  }
  // From here until the end the entry is pending again: a crash mid-way leaves each key at
  // its written or its previous value, which the next `tcptune rollback` accepts and finishes.
  // The journal is written before anything is restored, whatever the entry's state: when it
  // cannot be written (a full disk), nothing is touched.
  entry.state = TxnState::pending;
  entry.rollback_started = utc_now();
  if (Result<void> s = io->save_journal(entry); !s.ok())
    throw SystemFailure("cannot write the journal: " + s.error().message() +
                        "; nothing was changed");
  RollBackOutcome outcome =
      roll_back(entry, ctx.fs, proc, *io, force ? Force::yes : Force::no, "rollback");
  const RestoreReport& r = outcome.report;
  if (outcome.saved.ok()) {
    for (Journal::Item& it : items) {
      if (it.id == entry.id) it.entry = entry;
    }
    (void)journal.prune(items, journal_keep.value);
  }
  report.restored = r.restored;
  report.left = r.left;
  report.restored.insert(report.restored.end(), r.notes.begin(), r.notes.end());
  if (!r.left.empty()) return finish("rollback-failed", ExitCode::rollback_incomplete);
  if (!outcome.saved.ok()) {
    // Restored, but the journal still says pending: not a success. The next `tcptune
    // rollback` finds every value as before and records it.
    report.notes.push_back(
        "cannot record the rollback in the journal: " + outcome.saved.error().message() +
        "; the entry stays pending until `tcptune rollback " + entry.id + "` records it");
    return finish("rolled-back", ExitCode::system_error);
  }
  return finish("rolled-back", ExitCode::ok);
}

int cmd_history(Context& ctx, const std::vector<std::string>& args) {
  po::options_description opts("history options");
  opts.add_options()("help,h", "show this help");
  po::variables_map vm;
  parse_options(args, opts, vm);
  if (vm.count("help") != 0) {
    ctx.out << k_history_usage;
    return 0;
  }
  OutputFormat format = ctx.format({"text", "json"});
  Journal journal(ctx.fs.root());
  std::vector<Journal::Item> items = journal_items(journal);
  ctx.out << render_history(items, format, ctx.style);
  // Listed with the others; an entry tcptune cannot read is malformed input, as for apply and
  // rollback (which refuse to go on past it).
  bool corrupt = false;
  for (const Journal::Item& it : items) {
    if (it.entry) continue;
    ctx.err << "tcptune: error: " << it.error << "\n";
    corrupt = true;
  }
  return corrupt ? static_cast<int>(ExitCode::invalid_input) : 0;
}

}  // namespace tcptune
