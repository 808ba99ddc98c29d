// Units of the applier: fd-based file replacement (races included), the journal's JSON form,
// the fragment text and the precedence check, fault specs, and a whole transaction with its
// rollback on a temporary root.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "apply/fault_write_side.hpp"
#include "apply/fragment.hpp"
#include "apply/journal.hpp"
#include "apply/recording_write_side.hpp"
#include "apply/transaction.hpp"
#include "core/exit_code.hpp"
#include "sys/proc_sys.hpp"
#include "sys/root_fs.hpp"
#include "sys/safe_fs.hpp"
#include "test_support.hpp"

using namespace tcptune;
namespace fs = std::filesystem;

namespace {

struct TempRoot : test::TempRoot {
  TempRoot() : test::TempRoot("txn") {}
};

struct EnvGuard {
  std::vector<std::string> names;
  void set(const char* n, const char* v) {
    ::setenv(n, v, 1);
    names.emplace_back(n);
  }
  ~EnvGuard() {
    for (const auto& n : names) ::unsetenv(n.c_str());
  }
};

}  // namespace

TEST_CASE("open_in_root refuses symbolic links and keeps .. inside the root") {
  TempRoot r;
  r.write("/etc/sysctl.d/a.conf", "x = 1\n");
  CHECK(open_in_root(r.path, "/etc/sysctl.d/a.conf", O_RDONLY).ok());
  // tcptune writes only through real directories: a link anywhere on the path is ELOOP, even
  // one that stays inside the root (so the path written is the path systemd-sysctl reads).
  fs::create_symlink("/etc", r.path + "/etc-link");
  Result<UniqueFd> fd = open_in_root(r.path, "/etc-link/sysctl.d/a.conf", O_RDONLY);
  REQUIRE_FALSE(fd.ok());
  CHECK(fd.error().err == ELOOP);
  fs::create_directories(r.path + "/srv/conf");
  fs::rename(r.path + "/etc/sysctl.d", r.path + "/srv/conf/sysctl.d");
  fs::create_symlink("../srv/conf/sysctl.d", r.path + "/etc/sysctl.d");
  CHECK(open_in_root(r.path, "/etc/sysctl.d", O_RDONLY | O_DIRECTORY).error().err == ELOOP);
  CHECK(ensure_dir_in_root(r.path, "/etc/sysctl.d", 0755).error().err == ELOOP);
  // ".." cannot climb above the root: /../../srv is the root's /srv.
  CHECK(open_in_root(r.path, "/../../srv/conf/sysctl.d/a.conf", O_RDONLY).ok());
  // A link pointing at the host's /tmp is refused, never followed to the host.
  fs::create_symlink("/tmp", r.path + "/tmp-link");
  Result<UniqueFd> esc = open_in_root(r.path, "/tmp-link", O_RDONLY | O_DIRECTORY);
  CHECK_FALSE(esc.ok());
  // The last component too.
  fs::create_symlink("a.conf", r.path + "/srv/conf/sysctl.d/b.conf");
  Result<UniqueFd> nf = open_in_root(r.path, "/srv/conf/sysctl.d/b.conf", O_RDONLY | O_NOFOLLOW);
  REQUIRE_FALSE(nf.ok());
  CHECK(nf.error().err == ELOOP);
}

TEST_CASE("ensure_dir_in_root creates the missing directories") {
  TempRoot r;
  Result<UniqueFd> d = ensure_dir_in_root(r.path, "/var/lib/tcptune", 0700);
  REQUIRE(d.ok());
  struct stat st {};
  REQUIRE(::stat((r.path + "/var/lib/tcptune").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(::stat((r.path + "/var/lib").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0755);
}

TEST_CASE("replace_at: atomic, mode whatever the umask, and races are noticed") {
  TempRoot r;
  Result<UniqueFd> dir = ensure_dir_in_root(r.path, "/etc/sysctl.d", 0755);
  REQUIRE(dir.ok());
  int dfd = dir.value().get();
  mode_t old_umask = ::umask(077);
  Expect absent;
  absent.kind = Expect::Kind::absent;
  REQUIRE(replace_at(dfd, "f.conf", "one\n", 0644, absent, "f.conf").ok());
  ::umask(old_umask);
  CHECK(r.read("/etc/sysctl.d/f.conf") == "one\n");
  struct stat st {};
  REQUIRE(::stat((r.path + "/etc/sysctl.d/f.conf").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);

  SUBCASE("a file that appeared meanwhile is left alone") {
    Result<void> again = replace_at(dfd, "f.conf", "two\n", 0644, absent, "f.conf");
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().err == EEXIST);
    CHECK(r.read("/etc/sysctl.d/f.conf") == "one\n");
  }
  SUBCASE("same_file replaces the file that was checked") {
    Result<std::optional<EntryId>> id = entry_at(dfd, "f.conf", "f.conf");
    REQUIRE((id.ok() && id.value()));
    Expect same;
    same.kind = Expect::Kind::same_file;
    same.id = *id.value();
    REQUIRE(replace_at(dfd, "f.conf", "two\n", 0644, same, "f.conf").ok());
    CHECK(r.read("/etc/sysctl.d/f.conf") == "two\n");
  }
  SUBCASE("a file swapped after the check is put back, not overwritten") {
    Result<std::optional<EntryId>> id = entry_at(dfd, "f.conf", "f.conf");
    REQUIRE((id.ok() && id.value()));
    // Someone replaces it (here: a symbolic link to a file of theirs) between check and rename.
    r.write("/victim", "precious\n");
    fs::rename(r.path + "/etc/sysctl.d/f.conf", r.path + "/f.old");
    fs::create_symlink("/victim", r.path + "/etc/sysctl.d/f.conf");
    Expect same;
    same.kind = Expect::Kind::same_file;
    same.id = *id.value();
    Result<void> w = replace_at(dfd, "f.conf", "two\n", 0644, same, "f.conf");
    REQUIRE_FALSE(w.ok());
    CHECK(fs::is_symlink(r.path + "/etc/sysctl.d/f.conf"));
    CHECK(r.read("/victim") == "precious\n");
  }
  // No temporary file is ever left behind.
  for (const auto& e : fs::directory_iterator(r.path + "/etc/sysctl.d"))
    CHECK(e.path().filename().string().rfind(".f.conf.tcptune-", 0) != 0);
}

TEST_CASE("remove_at removes only the file that was checked") {
  TempRoot r;
  r.write("/d/x.conf", "a\n");
  Result<UniqueFd> dir = open_in_root(r.path, "/d", O_RDONLY | O_DIRECTORY);
  REQUIRE(dir.ok());
  Result<std::optional<EntryId>> id = entry_at(dir.value().get(), "x.conf", "x");
  REQUIRE((id.ok() && id.value()));
  // Renamed away, not deleted: a deleted inode number may be reused at once.
  fs::rename(r.path + "/d/x.conf", r.path + "/d/x.old");
  r.write("/d/x.conf", "someone else's\n");
  CHECK_FALSE(remove_at(dir.value().get(), "x.conf", *id.value(), "x").ok());
  CHECK(r.read("/d/x.conf") == "someone else's\n");
}

TEST_CASE("the lock reports its holder") {
  TempRoot r;
  long holder = 0;
  Result<FileLock> a =
      FileLock::acquire(r.path, k_lock_path, std::chrono::milliseconds(0), &holder);
  REQUIRE(a.ok());
  CHECK(r.read("/run/tcptune.lock") == std::to_string(::getpid()) + "\n");
  // flock locks belong to the open file description: a second open in this process conflicts.
  Result<FileLock> b =
      FileLock::acquire(r.path, k_lock_path, std::chrono::milliseconds(100), &holder);
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().err == EWOULDBLOCK);
  CHECK(holder == ::getpid());
}

TEST_CASE("journal JSON round-trips exact bytes and rejects damage") {
  JournalEntry e;
  e.id = "20261121T142800Z-01";
  e.state = TxnState::committed;
  e.version = "0.1.0";
  e.profile = "web";
  e.mode = "live+persist";
  e.started = "2026-11-21T14:28:00Z";
  e.pid = 42;
  JournalFragment f;
  f.path = "/etc/sysctl.d/99-tcptune.conf";
  f.previous = std::string("# old\n\xff\xfe binary\r\n\0tail", 23);
  f.previous_mode = 0640;
  f.written = "# Written by tcptune\nx = 1\n";
  e.fragment = f;
  e.keys.push_back({"net.ipv4.tcp_tw_reuse", "net/ipv4/tcp_tw_reuse", "2", std::nullopt, "1"});
  e.keys.push_back({"net.ipv4.new_key", "net/ipv4/new_key", std::nullopt, std::nullopt, "5"});
  std::string text = journal_to_json(e);
  Result<JournalEntry> back = journal_from_json(text, "j.json");
  REQUIRE(back.ok());
  CHECK(back.value().fragment->previous == f.previous);
  CHECK(back.value().fragment->previous_mode == 0640);
  CHECK(back.value().fragment->written == f.written);
  CHECK(back.value().keys.size() == 2);
  CHECK(back.value().keys[1].before == std::nullopt);
  CHECK(back.value().state == TxnState::committed);
  CHECK(journal_to_json(back.value()) == text);
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, text.size() / 2, text.size() - 3}) {
    Result<JournalEntry> t = journal_from_json(text.substr(0, cut), "j.json");
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message().find("j.json") == 0);
  }
  std::string bad_state = text;
  bad_state.replace(bad_state.find("\"committed\""), 11, "\"done\"");
  CHECK(journal_from_json(bad_state, "j").error().detail.find("unknown state") !=
        std::string::npos);
  std::string bad_b64 = text;
  bad_b64.replace(bad_b64.find("\"previous_base64\": \"") + 20, 2, "!!");
  CHECK(journal_from_json(bad_b64, "j").error().detail.find("base64") != std::string::npos);
  // A value with a line break would be written into the key as it is by a rollback.
  std::string bad_value = text;
  bad_value.replace(bad_value.find("\"before\": \"2\""), 13, "\"before\": \"2\\n3\"");
  CHECK(journal_from_json(bad_value, "j").error().detail.find("line break") != std::string::npos);
}

TEST_CASE("fragment text, marker and body") {
  FragmentHeader h{"0.1.0", "web", "T-01", "2026-11-21T14:28:00Z"};
  std::string t =
      fragment_text(h, {{"net.core.somaxconn", "net/core/somaxconn", "4096", "Deeper accept queue.",
                         "docs/facts.md#net-core-somaxconn", "base"}});
  CHECK(written_by_tcptune(t));
  CHECK(t.find("transaction T-01") != std::string::npos);
  CHECK(t.find("overwritten") != std::string::npos);
  CHECK(t.find("# Deeper accept queue.\n# (base; "
               "docs/facts.md#net-core-somaxconn)\nnet.core.somaxconn = 4096\n") !=
        std::string::npos);
  CHECK(fragment_body(t) == std::map<std::string, std::string>{{"net/core/somaxconn", "4096"}});
  CHECK_FALSE(written_by_tcptune("# my own\nx = 1\n"));
  CHECK_FALSE(written_by_tcptune(""));
}

TEST_CASE("fragment paths") {
  CHECK(check_fragment_path("/etc/sysctl.d/99-tcptune.conf").ok());
  CHECK(check_fragment_path("/usr/lib/sysctl.d/50-x.conf").ok());
  CHECK_FALSE(check_fragment_path("etc/sysctl.d/x.conf").ok());
  CHECK_FALSE(check_fragment_path("/etc/sysctl.d/../passwd.conf").ok());
  CHECK_FALSE(check_fragment_path("/etc/x.conf").ok());
  CHECK_FALSE(check_fragment_path("/etc/sysctl.d/x.txt").ok());
  CHECK_FALSE(check_fragment_path("/etc/sysctl.d/.hidden.conf").ok());
  CHECK_FALSE(check_fragment_path("/etc/sysctl.d/sub/x.conf").ok());
}

TEST_CASE("shadowing: later files, same-name replacement, procps tail and globs") {
  using tcptune::test::make_set;
  std::vector<std::string> keys{"net/core/somaxconn", "net/ipv4/tcp_fin_timeout"};
  ConfigSet sd = make_set({{"/etc/sysctl.d", "10-early.conf", "net.core.somaxconn = 1\n"},
                           {"/usr/lib/sysctl.d", "99-zz.conf", "net.core.somaxconn = 2\n"},
                           {"/etc/sysctl.d", "99-zz-glob.conf", "net.ipv4.tcp_fin_* = 9\n"}});
  std::vector<Shadow> s = shadowing(sd, "/etc/sysctl.d", "99-tcptune.conf", keys);
  REQUIRE(s.size() == 1);  // systemd: a glob never overrides an explicit assignment
  CHECK(s[0].key == "net.core.somaxconn");
  CHECK(s[0].line == 1);
  CHECK(s[0].value == "2");
  ConfigSet pp = make_set({{"/etc/sysctl.d", "99-zz-glob.conf", "net.ipv4.tcp_fin_* = 9\n"}},
                          Semantics::procps);
  std::vector<Shadow> g = shadowing(pp, "/etc/sysctl.d", "99-tcptune.conf", keys);
  REQUIRE(g.size() == 1);  // procps applies later globs in order
  CHECK(g[0].key == "net.ipv4.tcp_fin_timeout");
  // A same-name file in a higher-priority directory replaces a fragment in /usr/lib.
  ConfigSet same = make_set({{"/etc/sysctl.d", "50-x.conf", "vm.swappiness = 1\n"}});
  std::vector<Shadow> w = shadowing(same, "/usr/lib/sysctl.d", "50-x.conf", keys);
  CHECK(w.size() == 2);
  // The fragment's own file is never a shadow.
  ConfigSet own = make_set({{"/etc/sysctl.d", "99-tcptune.conf", "net.core.somaxconn = 5\n"}});
  CHECK(shadowing(own, "/etc/sysctl.d", "99-tcptune.conf", keys).empty());
}

TEST_CASE("fault specs of the test binary's write side") {
  EnvGuard env;
  TempRoot r;
  RootFs root(r.path);
  ProcSys proc(root);
  Journal journal(r.path);
  SUBCASE("unset: the real write side itself") {
    ::unsetenv("TCPTUNE_FAULT");
    std::unique_ptr<WriteSide> real = std::make_unique<SystemWriteSide>(proc, journal);
    WriteSide* p = real.get();
    CHECK(test::FaultWriteSide::from_env(std::move(real)).get() == p);
  }
  SUBCASE("malformed specs are usage errors") {
    env.set("TCPTUNE_FAULT", "nowhere");
    CHECK_THROWS_AS(test::FaultWriteSide::from_env(nullptr), UsageError);
    env.set("TCPTUNE_FAULT", "live:0");
    CHECK_THROWS_AS(test::FaultWriteSide::from_env(nullptr), UsageError);
    env.set("TCPTUNE_FAULT", "live");
    env.set("TCPTUNE_FAULT_ACTION", "explode");
    CHECK_THROWS_AS(test::FaultWriteSide::from_env(nullptr), UsageError);
  }
}

TEST_CASE("same_value compares as the kernel prints") {
  CHECK(same_value("4096\t131072  6291456", "4096 131072 6291456"));
  CHECK(same_value(" 1\n", "1"));
  CHECK_FALSE(same_value("1", "10"));
}

TEST_CASE("a transaction on a fixture root: commit, read-back failure, rollback") {
  TempRoot r;
  r.write("/proc/sys/net/ipv4/tcp_tw_reuse", "2\n");
  r.write("/proc/sys/net/core/somaxconn", "4096\n");
  r.write("/etc/sysctl.d/99-tcptune.conf", "# Written by tcptune old\nnet.core.somaxconn = 1\n");
  RootFs root(r.path);
  ProcSys proc(root);
  Journal journal(r.path);
  Result<FragmentState> before = inspect_fragment(root, "/etc/sysctl.d/99-tcptune.conf");
  REQUIRE(before.ok());
  JournalEntry e;
  e.id = journal.new_id();
  e.profile = "t";
  e.mode = "live+persist";
  JournalFragment f;
  f.path = "/etc/sysctl.d/99-tcptune.conf";
  f.previous = before.value().bytes;
  f.written = "# Written by tcptune new\nnet.ipv4.tcp_tw_reuse = 1\n";
  e.fragment = f;
  e.keys.push_back({"net.ipv4.tcp_tw_reuse", "net/ipv4/tcp_tw_reuse", "2", std::nullopt, "1"});
  e.keys.push_back({"net.core.somaxconn", "net/core/somaxconn", "4096", std::nullopt, "8192"});
  SystemWriteSide real(proc, journal);
  test::RecordingWriteSide io(real);

  SUBCASE("commit") {
    TxnOutcome o = run_transaction(e, root, proc, io);
    CHECK(io.log ==
          std::vector<std::string>{
              "journal pending", "replace apply " + r.path + "/etc/sysctl.d/99-tcptune.conf",
              "live apply net/ipv4/tcp_tw_reuse 1", "read_back apply net/ipv4/tcp_tw_reuse",
              "live apply net/core/somaxconn 8192", "read_back apply net/core/somaxconn",
              "journal committed"});
    CHECK(o.state == TxnState::committed);
    CHECK(r.read("/proc/sys/net/ipv4/tcp_tw_reuse") == "1\n");
    CHECK(r.read("/proc/sys/net/core/somaxconn") == "8192\n");
    CHECK(r.read("/etc/sysctl.d/99-tcptune.conf") == *f.written);
    CHECK(rollback_drift(e, root, proc).empty());
    // Someone changes a value: rollback must name it.
    r.write("/proc/sys/net/core/somaxconn", "100\n");
    std::vector<std::string> drift = rollback_drift(e, root, proc);
    REQUIRE(drift.size() == 1);
    CHECK(drift[0].find("net.core.somaxconn") == 0);
    RestoreReport rep = restore(e, root, proc, io, Force::yes);
    CHECK(rep.left.empty());
    CHECK(r.read("/proc/sys/net/core/somaxconn") == "4096\n");
    CHECK(r.read("/etc/sysctl.d/99-tcptune.conf") == *f.previous);
  }
  SUBCASE("a read-back mismatch rolls everything back") {
    io.fail_at(5, EIO);  // the second read-back
    TxnOutcome o = run_transaction(e, root, proc, io);
    CHECK(o.state == TxnState::rolled_back);
    REQUIRE(o.errors.size() == 1);
    CHECK(o.errors[0].find("net.core.somaxconn") == 0);
    CHECK(r.read("/proc/sys/net/ipv4/tcp_tw_reuse") == "2\n");
    CHECK(r.read("/proc/sys/net/core/somaxconn") == "4096\n");
    CHECK(r.read("/etc/sysctl.d/99-tcptune.conf") == *f.previous);
    Result<std::vector<Journal::Item>> items = journal.list();
    REQUIRE(items.ok());
    REQUIRE(items.value().size() == 1);
    CHECK(items.value()[0].entry->state == TxnState::rolled_back);
  }
  SUBCASE("a failed restore step is reported exactly") {
    io.fail_at(6, EIO);  // the commit
    io.fail_at(7, EIO);  // the first restore
    TxnOutcome o = run_transaction(e, root, proc, io);
    CHECK(o.state == TxnState::rollback_failed);
    REQUIRE(o.left.size() == 1);
    CHECK(o.left[0].find("net.core.somaxconn is '8192', was '4096'") == 0);
    CHECK(r.read("/proc/sys/net/ipv4/tcp_tw_reuse") == "2\n");  // the others were restored
    CHECK(r.read("/etc/sysctl.d/99-tcptune.conf") == *f.previous);
  }
  SUBCASE("a foreign file appearing at the fragment path is left alone, not counted as left") {
    r.write("/etc/sysctl.d/99-tcptune.conf", "# the admin's own file\nnet.core.somaxconn = 1\n");
    TxnOutcome o = run_transaction(e, root, proc, io);
    CHECK(o.state == TxnState::rolled_back);
    CHECK(o.left.empty());
    CHECK(r.read("/etc/sysctl.d/99-tcptune.conf") ==
          "# the admin's own file\nnet.core.somaxconn = 1\n");
    CHECK(r.read("/proc/sys/net/ipv4/tcp_tw_reuse") == "2\n");
    REQUIRE(e.notes.size() == 1);
    CHECK(e.notes[0].find("did not write") != std::string::npos);
  }
  SUBCASE("the kernel refusing a value") {
    // A directory where the key should be: the write fails like a refused key.
    fs::remove(r.path + "/proc/sys/net/core/somaxconn");
    fs::create_directories(r.path + "/proc/sys/net/core/somaxconn");
    e.keys[1].before = "4096";
    TxnOutcome o = run_transaction(e, root, proc, io);
    CHECK(o.state != TxnState::committed);
    CHECK(r.read("/proc/sys/net/ipv4/tcp_tw_reuse") == "2\n");
    CHECK(r.read("/etc/sysctl.d/99-tcptune.conf") == *f.previous);
  }
}

TEST_CASE("preview_rollback says what restore() would do, and writes nothing") {
  TempRoot r;
  r.write("/proc/sys/net/ipv4/tcp_tw_reuse", "2\n");
  r.write("/proc/sys/net/core/somaxconn", "4096\n");
  RootFs root(r.path);
  ProcSys proc(root);
  Journal journal(r.path);
  JournalEntry e;
  e.id = journal.new_id();
  e.profile = "t";
  e.mode = "live+persist";
  JournalFragment f;
  f.path = "/etc/sysctl.d/99-tcptune.conf";
  f.previous = std::nullopt;  // there was no file
  f.written = "# Written by tcptune new\nnet.ipv4.tcp_tw_reuse = 1\n";
  e.fragment = f;
  e.keys.push_back({"net.ipv4.tcp_tw_reuse", "net/ipv4/tcp_tw_reuse", "2", std::nullopt, "1"});
  e.keys.push_back({"net.core.somaxconn", "net/core/somaxconn", "4096", std::nullopt, "8192"});
  SystemWriteSide real(proc, journal);
  test::RecordingWriteSide io(real);
  REQUIRE(run_transaction(e, root, proc, io).state == TxnState::committed);
  io.log.clear();

  SUBCASE("after a commit: every key in restore order, the fragment to remove") {
    RollbackPreview p = preview_rollback(e, root, proc);
    REQUIRE(p.keys.size() == 2);
    CHECK(p.keys[0].key == "net.core.somaxconn");  // the reverse of the writes
    CHECK(p.keys[0].current == std::optional<std::string>("8192"));
    CHECK(p.keys[0].restore == "4096");
    CHECK(p.keys[1].key == "net.ipv4.tcp_tw_reuse");
    CHECK(p.fragment_change);
    CHECK(p.fragment_path == "/etc/sysctl.d/99-tcptune.conf");
    CHECK(p.fragment_current == f.written);
    CHECK_FALSE(p.fragment_restore.has_value());
    CHECK(p.notes.empty());
    CHECK(io.log.empty());
    CHECK(r.read("/proc/sys/net/core/somaxconn") == "8192\n");
  }
  SUBCASE("a key already back at its value, the fragment already gone: nothing for them") {
    r.write("/proc/sys/net/core/somaxconn", "4096\n");
    fs::remove(r.path + "/etc/sysctl.d/99-tcptune.conf");
    RollbackPreview p = preview_rollback(e, root, proc);
    REQUIRE(p.keys.size() == 1);
    CHECK(p.keys[0].key == "net.ipv4.tcp_tw_reuse");
    CHECK_FALSE(p.fragment_change);
  }
  SUBCASE("a file tcptune did not write at the fragment path is left alone, with a note") {
    r.write("/etc/sysctl.d/99-tcptune.conf", "net.ipv4.tcp_tw_reuse = 0\n");
    RollbackPreview p = preview_rollback(e, root, proc);
    CHECK_FALSE(p.fragment_change);
    REQUIRE(p.notes.size() == 1);
    CHECK(p.notes[0].find("tcptune did not write") != std::string::npos);
  }
  SUBCASE("after the rollback itself: nothing left") {
    RestoreReport rep = restore(e, root, proc, io, Force::no);
    CHECK(rep.left.empty());
    RollbackPreview p = preview_rollback(e, root, proc);
    CHECK(p.keys.empty());
    CHECK_FALSE(p.fragment_change);
  }
}
