// apply --fix-files: which lines are condemned, the text that disables them, the mask of a
// vendor file, the unified diff, and a transaction that edits files and rolls them back byte
// for byte (the fault matrix over the edit and mask writes included).

#include "apply/file_fix.hpp"
#include "apply/fix_files.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "apply/fragment.hpp"
#include "apply/journal.hpp"
#include "apply/recording_write_side.hpp"
#include "apply/transaction.hpp"
#include "sys/proc_sys.hpp"
#include "sys/root_fs.hpp"
#include "test_support.hpp"

using namespace tcptune;
namespace fs = std::filesystem;

namespace {

struct Root : test::TempRoot {
  Root() : test::TempRoot("fix") {}
  [[nodiscard]] int mode(const std::string& rel) const {
    struct stat st {};
    REQUIRE(::lstat((path + rel).c_str(), &st) == 0);
    return static_cast<int>(st.st_mode & 07777);
  }
};

const std::string k_blog =
    "# blog block\n"
    "net.ipv4.tcp_tw_recycle = 1\n"
    "net.ipv4.tcp_fin_timeout = 30\n"
    "net.core.somaxconn = 4096\n"
    "net.ipv4.tcp_syncookies = 1";  // no trailing newline

const std::string k_vendor =
    "# vendor default\n"
    "net.core.somaxconn = 1024\n"
    "net.ipv4.ping_group_range = 0 2147483647\n";

// A reader as the CLI's, without its owner check: every file of a fixture root is ours.
FileReader reader_of(const RootFs& rfs) {
  return [&rfs](const std::string& in_root) {
    FileSnapshot s;
    s.real = in_root;
    Result<EntryType> t = rfs.entry_type(in_root);
    if (t.ok() && t.value() == EntryType::symlink) {
      Result<std::string> real = rfs.resolve(in_root);
      if (real.ok()) s.real = real.value();
    }
    s.shown = rfs.host_path(s.real);
    Result<FragmentState> st = inspect_fragment(rfs, s.real);
    if (!st.ok()) {
      s.problem = st.error().message();
      return s;
    }
    s.bytes = st.value().bytes;
    s.mode = st.value().mode;
    if (st.value().id) {
      s.uid = static_cast<long>(st.value().id->uid);
      s.gid = static_cast<long>(st.value().id->gid);
    }
    return s;
  };
}

struct Planned {
  std::vector<CondemnedLine> condemned;
  FileFixPlan plan;
  std::vector<Shadow> shadows;
};

// The fragment 50-tcptune.conf sets somaxconn 8192 and fin_timeout 60; the profile wants
// tcp_tw_recycle absent.
Planned plan_for(const Root& r, const RootFs& rfs) {
  ConfigSet sd = load_host_config(rfs, Semantics::systemd);
  ConfigSet pp = load_host_config(rfs, Semantics::procps);
  FixFilesInput in;
  in.boot_sets = {&sd, &pp};
  in.fragment_dir = "/etc/sysctl.d";
  in.fragment_name = "50-tcptune.conf";
  in.profile = "web";
  in.fragment_values = {{"net/core/somaxconn", "8192"}, {"net/ipv4/tcp_fin_timeout", "60"}};
  in.absent = {{"net/ipv4/tcp_tw_recycle", "removed in Linux 4.12"}};
  in.profile_paths = {"net/core/somaxconn", "net/ipv4/tcp_fin_timeout", "net/ipv4/tcp_tw_recycle",
                      "net/ipv4/tcp_syncookies"};
  Planned p;
  for (const ConfigSet* s : in.boot_sets) {
    std::vector<Shadow> sh = shadowing(*s, in.fragment_dir, in.fragment_name,
                                       {"net/core/somaxconn", "net/ipv4/tcp_fin_timeout"});
    p.shadows.insert(p.shadows.end(), sh.begin(), sh.end());
  }
  in.shadows = p.shadows;
  p.condemned = condemned_lines(in);
  p.plan = plan_file_edits(p.condemned, reader_of(rfs), "20261206T030000Z-01");
  (void)r;
  return p;
}

}  // namespace

TEST_CASE("disable_lines comments out exactly the condemned lines") {
  std::vector<DisabledLine> l{
      {2, "net.ipv4.tcp_tw_recycle", "net.ipv4.tcp_tw_recycle = 1", "profile web wants it absent"},
      {5, "net.ipv4.tcp_syncookies", "net.ipv4.tcp_syncookies = 1", "x"}};
  std::string out = disable_lines(k_blog, l, "T1");
  CHECK(out ==
        "# blog block\n"
        "# disabled by tcptune T1: profile web wants it absent\n"
        "# net.ipv4.tcp_tw_recycle = 1\n"
        "net.ipv4.tcp_fin_timeout = 30\n"
        "net.core.somaxconn = 4096\n"
        "# disabled by tcptune T1: x\n"
        "# net.ipv4.tcp_syncookies = 1");  // still no trailing newline
  // CRLF lines keep their ending.
  CHECK(disable_lines("a = 1\r\nb = 2\r\n", {{1, "a", "a = 1", "r"}}, "T") ==
        "# disabled by tcptune T: r\r\n# a = 1\r\nb = 2\r\n");
}

TEST_CASE("unified_diff: hunks, /dev/null, no newline at end of file") {
  CHECK(unified_diff("a/x", "b/x", std::string("same\n"), "same\n").empty());
  CHECK(unified_diff("a/x", "b/x", std::nullopt, "one\ntwo\n") ==
        "--- /dev/null\n+++ b/x\n@@ -0,0 +1,2 @@\n+one\n+two\n");
  std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
  std::string after = "1\n2\n3\nfour\n5\n6\n7\n8\n9\n10\n11\n12";
  CHECK(unified_diff("a/x", "b/x", before, after) ==
        "--- a/x\n+++ b/x\n"
        "@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+four\n 5\n 6\n 7\n"
        "@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+12\n\\ No newline at end of file\n");
}

TEST_CASE("condemned lines, the edit of an administrator's file and the mask of a vendor file") {
  Root r;
  r.write("/etc/sysctl.conf", k_blog);
  ::chmod((r.path + "/etc/sysctl.conf").c_str(), 0640);
  fs::create_directories(r.path + "/etc/sysctl.d");
  fs::create_symlink("../sysctl.conf", r.path + "/etc/sysctl.d/99-sysctl.conf");
  r.write("/usr/lib/sysctl.d/60-vendor.conf", k_vendor);
  r.write("/etc/sysctl.d/10-early.conf", "net.core.somaxconn = 128\n");  // before the fragment
  RootFs rfs(r.path);
  Planned p = plan_for(r, rfs);

  // sysctl.conf: tcp_tw_recycle (absent), fin_timeout 30 (overrides 60); somaxconn 4096
  // overrides 8192; syncookies is not in the fragment: left. 60-vendor.conf: somaxconn 1024.
  // 10-early.conf comes before the fragment: left.
  std::vector<std::string> got;
  for (const CondemnedLine& c : p.condemned)
    got.push_back(c.file + ":" + std::to_string(c.line.line) + " " + c.line.key);
  CHECK(got == std::vector<std::string>{
                   "/etc/sysctl.d/99-sysctl.conf:2 net.ipv4.tcp_tw_recycle",
                   "/etc/sysctl.d/99-sysctl.conf:3 net.ipv4.tcp_fin_timeout",
                   "/etc/sysctl.d/99-sysctl.conf:4 net.core.somaxconn",
                   "/usr/lib/sysctl.d/60-vendor.conf:2 net.core.somaxconn",
               });
  CHECK(p.condemned[1].line.reason ==
        "overrides net.ipv4.tcp_fin_timeout = 60 of 50-tcptune.conf at boot (profile web)");
  CHECK(p.condemned[0].line.reason ==
        "profile web wants net.ipv4.tcp_tw_recycle absent: removed in Linux 4.12");
  REQUIRE(p.plan.refusals.empty());
  REQUIRE(p.plan.edits.size() == 2);

  const PlannedEdit& ed = p.plan.edits[0];
  CHECK(ed.edit.kind == "edit");
  CHECK(ed.edit.path == "/etc/sysctl.conf");  // the real file, not the link
  CHECK(ed.edit.previous == k_blog);
  CHECK(ed.edit.previous_mode == 0640);
  CHECK(ed.edit.written ==
        "# blog block\n"
        "# disabled by tcptune 20261206T030000Z-01: profile web wants net.ipv4.tcp_tw_recycle "
        "absent: removed in Linux 4.12\n"
        "# net.ipv4.tcp_tw_recycle = 1\n"
        "# disabled by tcptune 20261206T030000Z-01: overrides net.ipv4.tcp_fin_timeout = 60 of "
        "50-tcptune.conf at boot (profile web)\n"
        "# net.ipv4.tcp_fin_timeout = 30\n"
        "# disabled by tcptune 20261206T030000Z-01: overrides net.core.somaxconn = 8192 of "
        "50-tcptune.conf at boot (profile web)\n"
        "# net.core.somaxconn = 4096\n"
        "net.ipv4.tcp_syncookies = 1");
  CHECK(ed.diff.find("--- a/etc/sysctl.conf\n+++ b/etc/sysctl.conf\n") == 0);
  CHECK(ed.diff.find("-net.ipv4.tcp_tw_recycle = 1\n") != std::string::npos);
  REQUIRE(ed.edit.disabled.size() == 3);
  CHECK(ed.edit.disabled[0].find("2: net.ipv4.tcp_tw_recycle = 1 (") == 0);

  const PlannedEdit& mask = p.plan.edits[1];
  CHECK(mask.edit.kind == "mask");
  CHECK(mask.edit.path == "/etc/sysctl.d/60-vendor.conf");
  CHECK(mask.edit.masks == "/usr/lib/sysctl.d/60-vendor.conf");
  CHECK_FALSE(mask.edit.previous);
  CHECK(mask.edit.written ==
        "# Masks /usr/lib/sysctl.d/60-vendor.conf (a file of the same name here replaces it at "
        "boot).\n"
        "# Written by `tcptune apply --fix-files` (transaction 20261206T030000Z-01): the vendor "
        "file's lines,\n"
        "# the condemned ones disabled. `tcptune rollback 20261206T030000Z-01` removes this "
        "file.\n"
        "# vendor default\n"
        "# disabled by tcptune 20261206T030000Z-01: overrides net.core.somaxconn = 8192 of "
        "50-tcptune.conf at boot (profile web)\n"
        "# net.core.somaxconn = 1024\n"
        "net.ipv4.ping_group_range = 0 2147483647\n");
  CHECK(mask.diff.find("--- /dev/null\n+++ b/etc/sysctl.d/60-vendor.conf\n") == 0);

  // Every shadow is taken care of.
  std::map<std::string, std::string> values{{"net/core/somaxconn", "8192"},
                                            {"net/ipv4/tcp_fin_timeout", "60"}};
  REQUIRE_FALSE(p.shadows.empty());
  for (const Shadow& s : p.shadows) CHECK(shadow_fixed(s, p.condemned, values));
}

TEST_CASE("what --fix-files leaves alone or refuses") {
  Root r;
  RootFs rfs(r.path);
  SUBCASE("the same value later, a glob, an unrelated key") {
    r.write("/etc/sysctl.d/90-same.conf",
            "net.core.somaxconn = 8192\nnet.ipv4.conf.*.rp_filter = 2\nnet.ipv4.ip_forward = 1\n");
    Planned p = plan_for(r, rfs);
    CHECK(p.condemned.empty());
    CHECK(p.plan.edits.empty());
    for (const Shadow& s : p.shadows)
      CHECK(shadow_fixed(s, p.condemned, {{"net/core/somaxconn", "8192"}}));
  }
  SUBCASE("a symbolic link to a file other than /etc/sysctl.conf") {
    r.write("/srv/other.conf", "net.core.somaxconn = 1\n");
    fs::create_directories(r.path + "/etc/sysctl.d");
    fs::create_symlink("/srv/other.conf", r.path + "/etc/sysctl.d/90-link.conf");
    Planned p = plan_for(r, rfs);
    REQUIRE(p.condemned.size() == 1);
    REQUIRE(p.plan.refusals.size() == 1);
    CHECK(p.plan.refusals[0].find("/srv/other.conf") != std::string::npos);
    CHECK(p.plan.edits.empty());
  }
  SUBCASE("a mask that would replace an existing file") {
    r.write("/usr/lib/sysctl.d/60-vendor.conf", k_vendor);
    Planned p = plan_for(r, rfs);
    REQUIRE(p.plan.edits.size() == 1);
    CHECK(p.plan.edits[0].edit.kind == "mask");
    // The same plan when /etc/sysctl.d/60-vendor.conf appeared meanwhile: refused.
    FileReader base = reader_of(rfs);
    FileReader appeared = [&](const std::string& path) {
      FileSnapshot s = base(path);
      if (path == "/etc/sysctl.d/60-vendor.conf") s.bytes = "x = 1\n";
      return s;
    };
    FileFixPlan fp = plan_file_edits(p.condemned, appeared, "T");
    CHECK(fp.edits.empty());
    REQUIRE(fp.refusals.size() == 1);
    CHECK(fp.refusals[0].find("exists") != std::string::npos);
  }
  SUBCASE("a file changed between the parse and the read") {
    r.write("/etc/sysctl.d/90-late.conf", "net.core.somaxconn = 1\n");
    ConfigSet sd = load_host_config(rfs, Semantics::systemd);
    FixFilesInput in;
    in.boot_sets = {&sd};
    in.fragment_dir = "/etc/sysctl.d";
    in.fragment_name = "50-tcptune.conf";
    in.profile = "web";
    in.fragment_values = {{"net/core/somaxconn", "8192"}};
    in.shadows = shadowing(sd, in.fragment_dir, in.fragment_name, {"net/core/somaxconn"});
    std::vector<CondemnedLine> c = condemned_lines(in);
    REQUIRE(c.size() == 1);
    r.write("/etc/sysctl.d/90-late.conf", "# edited meanwhile\nnet.core.somaxconn = 1\n");
    FileFixPlan fp = plan_file_edits(c, reader_of(rfs), "T");
    CHECK(fp.edits.empty());
    REQUIRE(fp.refusals.size() == 1);
    CHECK(fp.refusals[0].find("changed while tcptune read it") != std::string::npos);
  }
}

TEST_CASE("edit paths") {
  CHECK(check_edit_path("/etc/sysctl.conf", EditKind::edit).ok());
  CHECK(check_edit_path("/etc/sysctl.d/99-x.conf", EditKind::edit).ok());
  CHECK_FALSE(check_edit_path("/usr/lib/sysctl.d/50-x.conf", EditKind::edit).ok());
  CHECK_FALSE(check_edit_path("/run/sysctl.d/50-x.conf", EditKind::edit).ok());
  CHECK(check_edit_path("/etc/sysctl.d/50-x.conf", EditKind::mask).ok());
  CHECK_FALSE(check_edit_path("/run/sysctl.d/50-x.conf", EditKind::mask).ok());
  CHECK(vendor_path("/lib/sysctl.d/a.conf"));
  CHECK(vendor_path("/usr/local/lib/sysctl.d/a.conf"));
  CHECK_FALSE(vendor_path("/etc/sysctl.d/a.conf"));
}

namespace {

// A filled entry over a root holding the blog block and a vendor file: the edits planned, the
// fragment new, one live key.
// /proc/sys must exist before ProcSys looks at the root.
int seed_proc(const Root& r) {
  r.write("/proc/sys/net/core/somaxconn", "4096\n");
  return 0;
}

struct TxnFixture {
  Root r;
  int seeded = seed_proc(r);
  RootFs rfs{r.path};
  ProcSys proc{rfs};
  Journal journal{r.path};
  JournalEntry e;
  TxnFixture() {
    r.write("/etc/sysctl.conf", k_blog);
    ::chmod((r.path + "/etc/sysctl.conf").c_str(), 0600);
    fs::create_directories(r.path + "/etc/sysctl.d");
    fs::create_symlink("../sysctl.conf", r.path + "/etc/sysctl.d/99-sysctl.conf");
    r.write("/usr/lib/sysctl.d/60-vendor.conf", k_vendor);
    Planned p = plan_for(r, rfs);
    REQUIRE(p.plan.edits.size() == 2);
    e.id = "20261206T030000Z-01";
    e.profile = "web";
    e.mode = "live+persist";
    for (const PlannedEdit& pe : p.plan.edits) e.edits.push_back(pe.edit);
    JournalFragment f;
    f.path = "/etc/sysctl.d/50-tcptune.conf";
    f.written = "# Written by tcptune\nnet.core.somaxconn = 8192\n";
    e.fragment = f;
    e.keys.push_back({"net.core.somaxconn", "net/core/somaxconn", "4096", std::nullopt, "8192"});
  }
  void check_as_before() const {
    CHECK(r.read("/etc/sysctl.conf") == k_blog);
    CHECK(r.mode("/etc/sysctl.conf") == 0600);
    CHECK_FALSE(r.exists("/etc/sysctl.d/60-vendor.conf"));
    CHECK_FALSE(r.exists("/etc/sysctl.d/50-tcptune.conf"));
    CHECK(r.read("/usr/lib/sysctl.d/60-vendor.conf") == k_vendor);
    CHECK(fs::is_symlink(r.path + "/etc/sysctl.d/99-sysctl.conf"));
    CHECK(r.read("/proc/sys/net/core/somaxconn") == "4096\n");
    // No temporary file left anywhere.
    for (const auto& d : fs::directory_iterator(r.path + "/etc/sysctl.d"))
      CHECK(d.path().filename().string().find(".tcptune-") == std::string::npos);
  }
};

}  // namespace

TEST_CASE("a transaction with --fix-files edits: journal first, rollback byte for byte") {
  TxnFixture t;
  SystemWriteSide real(t.proc, t.journal);
  test::RecordingWriteSide io(real);
  TxnOutcome o = run_transaction(t.e, t.rfs, t.proc, io);
  CHECK(o.state == TxnState::committed);
  const std::string R = t.r.path;
  CHECK(io.log ==
        std::vector<std::string>{"journal pending", "edit apply " + R + "/etc/sysctl.conf",
                                 "edit apply " + R + "/etc/sysctl.d/60-vendor.conf",
                                 "replace apply " + R + "/etc/sysctl.d/50-tcptune.conf",
                                 "live apply net/core/somaxconn 8192",
                                 "read_back apply net/core/somaxconn", "journal committed"});
  CHECK(t.r.read("/etc/sysctl.conf") == t.e.edits[0].written);
  CHECK(t.r.mode("/etc/sysctl.conf") == 0600);                       // mode kept
  CHECK(fs::is_symlink(t.r.path + "/etc/sysctl.d/99-sysctl.conf"));  // the link kept
  CHECK(t.r.read("/etc/sysctl.d/60-vendor.conf") == t.e.edits[1].written);
  CHECK(t.r.read("/usr/lib/sysctl.d/60-vendor.conf") == k_vendor);  // never edited

  // The journal holds the previous bytes (no trailing newline included) and reads back.
  Result<std::vector<Journal::Item>> items = t.journal.list();
  REQUIRE(items.ok());
  REQUIRE(items.value().size() == 1);
  const JournalEntry& saved = *items.value()[0].entry;
  REQUIRE(saved.edits.size() == 2);
  CHECK(saved.edits[0].previous == k_blog);
  CHECK(saved.edits[0].previous_mode == 0600);
  CHECK(saved.edits[0].kind == "edit");
  CHECK(saved.edits[1].kind == "mask");
  CHECK_FALSE(saved.edits[1].previous);
  CHECK(saved.edits[1].masks == "/usr/lib/sysctl.d/60-vendor.conf");
  CHECK(journal_from_json(journal_to_json(saved), "x").value().edits[0].written ==
        saved.edits[0].written);

  CHECK(rollback_drift(t.e, t.rfs, t.proc).empty());
  SUBCASE("rollback restores every file byte for byte and removes the mask") {
    io.log.clear();
    RestoreReport rep = restore(t.e, t.rfs, t.proc, io, Force::no);
    CHECK(rep.left.empty());
    CHECK(io.log ==
          std::vector<std::string>{"live rollback net/core/somaxconn 4096",
                                   "read_back rollback net/core/somaxconn",
                                   "remove rollback " + R + "/etc/sysctl.d/50-tcptune.conf",
                                   "unmask rollback " + R + "/etc/sysctl.d/60-vendor.conf",
                                   "edit rollback " + R + "/etc/sysctl.conf"});
    t.check_as_before();
  }
  SUBCASE("an edited file changed since: drift, and rollback leaves it without --force") {
    t.r.write("/etc/sysctl.conf", "# the admin again\n");
    std::vector<std::string> drift = rollback_drift(t.e, t.rfs, t.proc);
    REQUIRE(drift.size() == 1);
    CHECK(drift[0].find("edited file " + R + "/etc/sysctl.conf") == 0);
    RestoreReport rep = restore(t.e, t.rfs, t.proc, io, Force::no);
    REQUIRE(rep.left.size() == 1);
    CHECK(t.r.read("/etc/sysctl.conf") == "# the admin again\n");
    RestoreReport forced = restore(t.e, t.rfs, t.proc, io, Force::yes);
    CHECK(forced.left.empty());
    t.check_as_before();
  }
}

TEST_CASE("fault matrix over the --fix-files writes: every failure rolls back byte for byte") {
  // The operations of the transaction, in order: 0 journal pending, 1 edit sysctl.conf,
  // 2 mask, 3 fragment, 4 live, 5 read_back, 6 journal committed.
  for (std::size_t at = 1; at <= 6; ++at) {
    CAPTURE(at);
    TxnFixture t;
    SystemWriteSide real(t.proc, t.journal);
    test::RecordingWriteSide io(real);
    io.fail_at(at, EIO);
    TxnOutcome o = run_transaction(t.e, t.rfs, t.proc, io);
    CHECK(o.state == TxnState::rolled_back);
    CHECK(o.left.empty());
    t.check_as_before();
  }
  SUBCASE("a failing restore of an edited file is reported, and a retry restores it") {
    TxnFixture t;
    SystemWriteSide real(t.proc, t.journal);
    test::RecordingWriteSide io(real);
    // 0 journal, 1 edit, 2 mask, 3 fragment, 4 live (fails), 5 journal (errors recorded?)...
    io.fail_at(4, EIO);
    // The restore of sysctl.conf is the last restore write: fail every "edit rollback".
    for (std::size_t n = 5; n < 12; ++n) io.fail_at(n, EIO);
    TxnOutcome o = run_transaction(t.e, t.rfs, t.proc, io);
    CHECK(o.state != TxnState::committed);
    CHECK_FALSE(o.left.empty());
    // A second rollback (as `tcptune rollback` would) with a working write side.
    SystemWriteSide again(t.proc, t.journal);
    RestoreReport rep = restore(t.e, t.rfs, t.proc, again, Force::no);
    CHECK(rep.left.empty());
    t.check_as_before();
  }
}

TEST_CASE("a crash after each --fix-files write: the unfinished entry restores the files") {
  for (std::size_t at = 1; at <= 5; ++at) {
    CAPTURE(at);
    TxnFixture t;
    SystemWriteSide real(t.proc, t.journal);
    test::RecordingWriteSide io(real);
    io.crash_at(at);
    CHECK_THROWS_AS(run_transaction(t.e, t.rfs, t.proc, io), test::SimulatedCrash);
    // The next run finds the entry pending, with the edits in it.
    Result<std::vector<Journal::Item>> items = t.journal.list();
    REQUIRE(items.ok());
    REQUIRE(items.value().size() == 1);
    JournalEntry pending = *items.value()[0].entry;
    CHECK(pending.state == TxnState::pending);
    REQUIRE(pending.edits.size() == 2);
    CHECK(rollback_drift(pending, t.rfs, t.proc).empty());
    SystemWriteSide after(t.proc, t.journal);
    RollBackOutcome out = roll_back(pending, t.rfs, t.proc, after, Force::no, "rollback");
    const RestoreReport& rep = out.report;
    CHECK(rep.left.empty());
    CHECK(out.saved.ok());
    t.check_as_before();
  }
}

TEST_CASE("a rule's finding condemns a line of a profile key in a file that wins, only there") {
  Root r;
  r.write("/etc/sysctl.d/90-late.conf",
          "net.ipv4.tcp_syncookies = 0\nnet.ipv4.ip_forward = 1\n");  // lines 1 and 2
  r.write("/etc/sysctl.d/10-early.conf", "net.ipv4.tcp_syncookies = 0\n");
  RootFs rfs(r.path);
  ConfigSet sd = load_host_config(rfs, Semantics::systemd);
  FixFilesInput in;
  in.boot_sets = {&sd};
  in.fragment_dir = "/etc/sysctl.d";
  in.fragment_name = "50-tcptune.conf";
  in.profile = "web";
  in.profile_paths = {"net/ipv4/tcp_syncookies"};
  auto finding = [&](const std::string& file, int line, Severity sev) {
    Finding f;
    f.file = rfs.host_path(file);
    f.line = line;
    f.severity = sev;
    f.code = "TT9999";
    f.message = "test rule";
    return f;
  };
  in.findings = {
      finding("/etc/sysctl.d/90-late.conf", 1, Severity::warning),
      finding("/etc/sysctl.d/90-late.conf", 2, Severity::error),    // not a profile key
      finding("/etc/sysctl.d/10-early.conf", 1, Severity::error)};  // before the fragment
  std::vector<CondemnedLine> c = condemned_lines(in);
  REQUIRE(c.size() == 1);
  CHECK(c[0].file == "/etc/sysctl.d/90-late.conf");
  CHECK(c[0].line.line == 1);
  CHECK(c[0].line.reason == "TT9999 test rule");
  // An info finding condemns nothing.
  in.findings = {finding("/etc/sysctl.d/90-late.conf", 1, Severity::info)};
  CHECK(condemned_lines(in).empty());
}

namespace {

// An apply plan as plan_apply() leaves it for the web-like profile of plan_for(): the two
// fragment lines, the shadows of both semantics, the shadow refusal and a "remove it by hand"
// note for tcp_tw_recycle.
struct FoldCase {
  ConfigSet sd;
  ConfigSet pp;
  PlanInput in;
  ApplyPlan plan;
  ResolvedProfile profile;
};

void fill_fold_case(FoldCase& c, const RootFs& rfs) {
  c.sd = load_host_config(rfs, Semantics::systemd);
  c.pp = load_host_config(rfs, Semantics::procps);
  c.in.boot_sets = {&c.sd, &c.pp};
  c.plan.lines = {{"net.core.somaxconn", "net/core/somaxconn", "8192", "", "", "web"},
                  {"net.ipv4.tcp_fin_timeout", "net/ipv4/tcp_fin_timeout", "60", "", "", "web"}};
  for (const ConfigSet* s : c.in.boot_sets) {
    std::vector<Shadow> sh = shadowing(*s, "/etc/sysctl.d", "50-tcptune.conf",
                                       {"net/core/somaxconn", "net/ipv4/tcp_fin_timeout"});
    c.plan.shadows.insert(c.plan.shadows.end(), sh.begin(), sh.end());
  }
  c.plan.refusals = {k_shadow_refusal};
  c.plan.notes = {{"net.ipv4.tcp_tw_recycle", "set in /etc/sysctl.conf: remove it by hand",
                   NoteReason::set_elsewhere},
                  {"net.core.somaxconn", "kept", NoteReason::other}};
  c.profile.name = "web";
  ProfileSetting absent;
  absent.key = "net.ipv4.tcp_tw_recycle";
  absent.path = "net/ipv4/tcp_tw_recycle";
  absent.op = TargetOp::absent;
  absent.rationale = "Removed in Linux 4.12. It broke clients behind NAT.";
  ProfileSetting somaxconn;
  somaxconn.key = "net.core.somaxconn";
  somaxconn.path = "net/core/somaxconn";
  somaxconn.value = "8192";
  ProfileSetting fin;
  fin.key = "net.ipv4.tcp_fin_timeout";
  fin.path = "net/ipv4/tcp_fin_timeout";
  fin.value = "60";
  c.profile.settings = {absent, somaxconn, fin};
}

}  // namespace

TEST_CASE("fold_fix_files: the edits join the plan, the shadow refusal and the hand notes go") {
  Root r;
  r.write("/etc/sysctl.conf", k_blog);
  r.write("/usr/lib/sysctl.d/60-vendor.conf", k_vendor);
  RootFs rfs(r.path);
  FoldCase c;
  fill_fold_case(c, rfs);
  REQUIRE_FALSE(c.plan.shadows.empty());
  FileFixPlan fixes = fold_fix_files(
      c.plan, c.in, c.profile, PathParts{"/etc/sysctl.d", "50-tcptune.conf"}, {},
      [&](const std::string& p) { return read_fix_snapshot(rfs, p); }, "20261206T040000Z-01");
  CHECK(fixes.refusals.empty());
  REQUIRE(fixes.edits.size() == 2);  // /etc/sysctl.conf edited, the vendor file masked
  CHECK(c.plan.refusals.empty());    // every shadow is in a file that will be written
  CHECK(c.plan.pending);
  REQUIRE(c.plan.notes.size() == 1);  // the hand note of a disabled key is gone, the other kept
  CHECK(c.plan.notes[0].key == "net.core.somaxconn");
  // The reason of an absent key is the first sentence of its rationale.
  CHECK(fixes.edits[0].edit.written.find(
            "# disabled by tcptune 20261206T040000Z-01: profile web wants "
            "net.ipv4.tcp_tw_recycle absent: Removed in Linux 4.12\n") != std::string::npos);
  CHECK(absent_reasons(c.profile) ==
        std::map<std::string, std::string>{{"net/ipv4/tcp_tw_recycle", "Removed in Linux 4.12"}});
}

TEST_CASE("fold_fix_files: a file it may not edit keeps the shadow refusal and adds its own") {
  Root r;
  r.write("/etc/sysctl.conf", k_blog);
  REQUIRE(::chown((r.path + "/etc/sysctl.conf").c_str(), 65534, 65534) == 0);
  RootFs rfs(r.path);
  FoldCase c;
  fill_fold_case(c, rfs);
  FileFixPlan fixes = fold_fix_files(
      c.plan, c.in, c.profile, PathParts{"/etc/sysctl.d", "50-tcptune.conf"}, {},
      [&](const std::string& p) { return read_fix_snapshot(rfs, p); }, "20261206T040000Z-02");
  CHECK(fixes.edits.empty());
  REQUIRE(fixes.refusals.size() == 1);
  CHECK(fixes.refusals[0].find("owned by uid 65534") != std::string::npos);
  // The file's refusal is added to the plan's, and the shadow refusal stands.
  CHECK(std::find(c.plan.refusals.begin(), c.plan.refusals.end(), std::string(k_shadow_refusal)) !=
        c.plan.refusals.end());
  CHECK(c.plan.refusals.size() == 2);
  CHECK(c.plan.notes.size() == 2);
}
