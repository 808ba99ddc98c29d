// Values the kernel rewrites by itself (apply/side_effects.hpp), and what the kernel holds
// after a write (hole 2), through the recording fake over a small model of the kernel: a
// fixture root whose files the model rewrites as Linux does when ip_forward is written, and
// where tcp_fastopen reads back "0x607" as 1543.

#include "apply/side_effects.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "apply/only_entry.hpp"
#include "apply/recording_write_side.hpp"
#include "apply/transaction.hpp"
#include "sys/proc_sys.hpp"
#include "sys/root_fs.hpp"

using namespace tcptune;
using test::only_entry;
namespace fs = std::filesystem;

namespace {

struct KernelRoot {
  std::string path;
  KernelRoot() {
    char tmpl[] = "/tmp/tcptune-side-XXXXXX";
    char* p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path = p;
    set("net/ipv4/ip_forward", "0");
    for (const char* dev : {"all", "default", "lo", "v0", "v1"})
      set(std::string("net/ipv4/conf/") + dev + "/forwarding", "0");
    set("net/ipv4/conf/v0/forwarding", "1");  // forwarding on one interface only
    set("net/ipv4/conf/all/accept_redirects", "1");
    set("net/ipv4/tcp_fastopen", "1");
    set("net/core/somaxconn", "4096");
    fs::create_directories(path + "/etc/sysctl.d");
  }
  ~KernelRoot() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void set(const std::string& rel, const std::string& v) const {
    fs::create_directories(fs::path(path + "/proc/sys/" + rel).parent_path());
    std::ofstream(path + "/proc/sys/" + rel, std::ios::binary) << v << "\n";
  }
  [[nodiscard]] std::string get(const std::string& rel) const {
    std::ifstream in(path + "/proc/sys/" + rel, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
};

// What the kernel does on a write, on the fixture files: inet_forward_change for ip_forward
// and conf/all/forwarding; base-0 integer parsing for tcp_fastopen.
class KernelModel final : public WriteSide {
 public:
  KernelModel(WriteSide& inner, const KernelRoot& root) : m_inner(inner), m_root(root) {}
  Result<void> write_live(const std::string& path, const std::string& value,
                          const std::optional<std::string>& raw, Step step) override {
    std::string v = raw ? *raw : value;
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
    if (path == "net/ipv4/tcp_fastopen") {
      m_root.set(path, std::to_string(std::strtol(v.c_str(), nullptr, 0)));
      return {};
    }
    Result<void> w = m_inner.write_live(path, value, raw, step);
    if (!w.ok()) return w;
    if (path == "net/ipv4/ip_forward" || path == "net/ipv4/conf/all/forwarding") {
      std::string on = v == "0" ? "0" : "1";
      m_root.set("net/ipv4/ip_forward", on);
      m_root.set("net/ipv4/conf/all/accept_redirects", on == "1" ? "0" : "1");
      for (const char* dev : {"all", "default", "lo", "v0", "v1"})
        m_root.set(std::string("net/ipv4/conf/") + dev + "/forwarding", on);
    }
    return {};
  }
  KeyRead read_back(const std::string& path, Step step) override {
    return m_inner.read_back(path, step);
  }
  Result<void> replace_file(int dirfd, const std::string& name, const std::string& data,
                            mode_t mode, const Expect& expect, const std::string& shown,
                            Step step) override {
    return m_inner.replace_file(dirfd, name, data, mode, expect, shown, step);
  }
  Result<void> remove_file(int dirfd, const std::string& name, const EntryId& expected,
                           const std::string& shown, Step step) override {
    return m_inner.remove_file(dirfd, name, expected, shown, step);
  }
  Result<void> save_journal(const JournalEntry& e) override { return m_inner.save_journal(e); }
  Result<void> replace_config(int dirfd, const std::string& name, const std::string& data,
                              mode_t mode, const FileOwner& owner, const Expect& expect,
                              const std::string& shown, Step step) override {
    return m_inner.replace_config(dirfd, name, data, mode, owner, expect, shown, step);
  }
  Result<void> remove_config(int dirfd, const std::string& name, const EntryId& expected,
                             const std::string& shown, Step step) override {
    return m_inner.remove_config(dirfd, name, expected, shown, step);
  }

 private:
  WriteSide& m_inner;
  const KernelRoot& m_root;
};

JournalEntry entry_with(const Journal& journal, std::vector<JournalKey> keys) {
  JournalEntry e;
  e.id = journal.new_id();
  e.profile = "t";
  e.mode = "live-only";
  e.keys = std::move(keys);
  return e;
}

JournalKey key(const char* name, const char* path, const char* before, const char* target) {
  JournalKey k;
  k.key = name;
  k.path = path;
  k.before = before;
  k.target = target;
  return k;
}

void check_forwarding_as_before(const KernelRoot& r) {
  CHECK(r.get("net/ipv4/ip_forward") == "0");
  CHECK(r.get("net/ipv4/conf/all/forwarding") == "0");
  CHECK(r.get("net/ipv4/conf/default/forwarding") == "0");
  CHECK(r.get("net/ipv4/conf/lo/forwarding") == "0");
  CHECK(r.get("net/ipv4/conf/v0/forwarding") == "1");
  CHECK(r.get("net/ipv4/conf/v1/forwarding") == "0");
  CHECK(r.get("net/ipv4/conf/all/accept_redirects") == "1");
}

}  // namespace

TEST_CASE("side effects: which keys the kernel copies, and where") {
  KernelRoot r;
  RootFs root(r.path);
  ProcSys proc(root);
  std::vector<std::string> fwd = side_effect_paths("net/ipv4/ip_forward", proc);
  CHECK(fwd == std::vector<std::string>{
                   "net/ipv4/conf/all/forwarding", "net/ipv4/conf/all/accept_redirects",
                   "net/ipv4/conf/default/forwarding", "net/ipv4/conf/lo/forwarding",
                   "net/ipv4/conf/v0/forwarding", "net/ipv4/conf/v1/forwarding"});
  CHECK(side_effect_paths("net/ipv4/conf/all/forwarding", proc).size() == 6);
  CHECK(side_effect_paths("net/ipv4/conf/default/rp_filter", proc) ==
        std::vector<std::string>{"net/ipv4/conf/lo/rp_filter", "net/ipv4/conf/v0/rp_filter",
                                 "net/ipv4/conf/v1/rp_filter"});
  CHECK(side_effect_paths("net/ipv4/conf/default/forwarding", proc).empty());
  CHECK(side_effect_paths("net/ipv4/conf/all/rp_filter", proc).empty());
  CHECK(side_effect_paths("net/ipv6/conf/all/disable_ipv6", proc) ==
        std::vector<std::string>{"net/ipv6/conf/default/disable_ipv6"});
  CHECK(side_effect_paths("net/ipv6/conf/default/disable_ipv6", proc).empty());
  CHECK(side_effect_paths("net/core/somaxconn", proc).empty());
}

TEST_CASE("side effects: apply ip_forward = 1, rollback: every interface as before (hole 1)") {
  KernelRoot r;
  RootFs root(r.path);
  ProcSys proc(root);
  Journal journal(r.path);
  SystemWriteSide real(proc, journal);
  KernelModel kernel(real, r);
  test::RecordingWriteSide io(kernel);
  JournalEntry e =
      entry_with(journal, {key("net.ipv4.ip_forward", "net/ipv4/ip_forward", "0", "1")});
  TxnOutcome o = run_transaction(e, root, proc, io);
  REQUIRE(o.state == TxnState::committed);
  CHECK(r.get("net/ipv4/conf/lo/forwarding") == "1");
  CHECK(r.get("net/ipv4/conf/all/accept_redirects") == "0");
  std::optional<JournalEntry> j = only_entry(journal);
  REQUIRE(j);
  CHECK(j->side.size() == 6);  // journaled, and read back from the file
  CHECK(rollback_drift(*j, root, proc).empty());
  RollBackOutcome out = roll_back(*j, root, proc, io, Force::no, "rollback");
  const RestoreReport& rep = out.report;
  CHECK(rep.left.empty());
  CHECK(out.saved.ok());
  check_forwarding_as_before(r);
  CHECK(std::find(io.log.begin(), io.log.end(), "live rollback net/ipv4/conf/v0/forwarding 1") !=
        io.log.end());
}

TEST_CASE("side effects: an interface changed after the apply keeps its value at rollback") {
  KernelRoot r;
  RootFs root(r.path);
  ProcSys proc(root);
  Journal journal(r.path);
  SystemWriteSide real(proc, journal);
  KernelModel kernel(real, r);
  JournalEntry e =
      entry_with(journal, {key("net.ipv4.ip_forward", "net/ipv4/ip_forward", "0", "1")});
  REQUIRE(run_transaction(e, root, proc, kernel).state == TxnState::committed);
  r.set("net/ipv4/conf/v1/forwarding", "0");  // the administrator, after the apply
  std::optional<JournalEntry> j = only_entry(journal);
  REQUIRE(j);
  RollBackOutcome out = roll_back(*j, root, proc, kernel, Force::no, "rollback");
  const RestoreReport& rep = out.report;
  CHECK(rep.left.empty());
  CHECK(r.get("net/ipv4/conf/v1/forwarding") == "0");
  CHECK(r.get("net/ipv4/conf/v0/forwarding") == "1");
  CHECK(r.get("net/ipv4/conf/lo/forwarding") == "0");
}

TEST_CASE("side effects: a failed apply puts every interface back (hole 1, exit 4)") {
  for (int err : {EACCES, EINVAL}) {
    CAPTURE(err);
    KernelRoot r;
    RootFs root(r.path);
    ProcSys proc(root);
    Journal journal(r.path);
    SystemWriteSide real(proc, journal);
    KernelModel kernel(real, r);
    test::RecordingWriteSide io(kernel);
    // journal, live ip_forward, read_back, live somaxconn (fails)
    io.fail_at(3, err);
    JournalEntry e =
        entry_with(journal, {key("net.ipv4.ip_forward", "net/ipv4/ip_forward", "0", "1"),
                             key("net.core.somaxconn", "net/core/somaxconn", "4096", "8192")});
    TxnOutcome o = run_transaction(e, root, proc, io);
    CHECK(o.state == TxnState::rolled_back);
    CHECK(o.left.empty());
    check_forwarding_as_before(r);
    CHECK(r.get("net/core/somaxconn") == "4096");
  }
}

TEST_CASE("side effects: a crash mid-apply, then rollback: every interface as before") {
  KernelRoot r;
  RootFs root(r.path);
  ProcSys proc(root);
  Journal journal(r.path);
  SystemWriteSide real(proc, journal);
  KernelModel kernel(real, r);
  test::RecordingWriteSide io(kernel);
  io.crash_at(3);  // after ip_forward was written and read back
  JournalEntry e =
      entry_with(journal, {key("net.ipv4.ip_forward", "net/ipv4/ip_forward", "0", "1"),
                           key("net.core.somaxconn", "net/core/somaxconn", "4096", "8192")});
  CHECK_THROWS_AS(run_transaction(e, root, proc, io), test::SimulatedCrash);
  std::optional<JournalEntry> j = only_entry(journal);
  REQUIRE(j);
  CHECK(j->state == TxnState::pending);
  CHECK(rollback_drift(*j, root, proc).empty());
  RollBackOutcome out = roll_back(*j, root, proc, kernel, Force::no, "rollback");
  const RestoreReport& rep = out.report;
  CHECK(rep.left.empty());
  check_forwarding_as_before(r);
}

TEST_CASE("read-back: a crash in the apply's own rollback of a rewritten value (hole 2)") {
  // journal pending, live tcp_fastopen 0x607, read_back (1543: mismatch), journal pending (the
  // value the kernel holds), live rollback tcp_fastopen 1 <- crash there.
  KernelRoot r;
  RootFs root(r.path);
  ProcSys proc(root);
  Journal journal(r.path);
  SystemWriteSide real(proc, journal);
  KernelModel kernel(real, r);
  test::RecordingWriteSide io(kernel);
  io.crash_at(4);
  JournalEntry e =
      entry_with(journal, {key("net.ipv4.tcp_fastopen", "net/ipv4/tcp_fastopen", "1", "0x607")});
  CHECK_THROWS_AS(run_transaction(e, root, proc, io), test::SimulatedCrash);
  REQUIRE(io.log.size() == 5);
  CHECK(io.log[1] == "live apply net/ipv4/tcp_fastopen 0x607");
  CHECK(io.log[4] == "live rollback net/ipv4/tcp_fastopen 1 !crash");
  CHECK(r.get("net/ipv4/tcp_fastopen") == "1543");
  std::optional<JournalEntry> j = only_entry(journal);
  REQUIRE(j);
  CHECK(j->state == TxnState::pending);
  REQUIRE(j->keys.size() == 1);
  CHECK(j->keys[0].after == std::optional<std::string>("1543"));
  // The next `tcptune rollback` accepts it without --force, and restores it.
  CHECK(rollback_drift(*j, root, proc).empty());
  RollBackOutcome out = roll_back(*j, root, proc, kernel, Force::no, "rollback");
  const RestoreReport& rep = out.report;
  CHECK(rep.left.empty());
  CHECK(r.get("net/ipv4/tcp_fastopen") == "1");
}

TEST_CASE("read-back: a committed value the kernel rewrote is not drift") {
  KernelRoot r;
  RootFs root(r.path);
  ProcSys proc(root);
  Journal journal(r.path);
  SystemWriteSide real(proc, journal);
  JournalEntry e =
      entry_with(journal, {key("net.core.somaxconn", "net/core/somaxconn", "4096", "8192")});
  REQUIRE(run_transaction(e, root, proc, real).state == TxnState::committed);
  std::optional<JournalEntry> j = only_entry(journal);
  REQUIRE(j);
  CHECK(j->keys[0].after == std::optional<std::string>("8192"));
  r.set("net/core/somaxconn", "1000");
  CHECK(rollback_drift(*j, root, proc).size() == 1);  // a real change since still refuses
}
