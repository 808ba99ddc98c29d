// The transaction through the recording fake: every operation of an apply (and of its own
// rollback) failed with each errno, or "crashed" there, on a temporary root; the recorded log
// and the state on disk afterwards are checked each time.

#include "apply/write_side.hpp"
#include "core/text_util.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
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

constexpr const char* k_frag = "/etc/sysctl.d/99-tcptune.conf";

struct FragmentRoot {
  std::string path;
  bool had_fragment;
  explicit FragmentRoot(bool with_fragment) : had_fragment(with_fragment) {
    char tmpl[] = "/tmp/tcptune-ws-XXXXXX";
    char* p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path = p;
    write("/proc/sys/net/ipv4/tcp_tw_reuse", "2\n");
    write("/proc/sys/net/core/somaxconn", "4096\n");
    fs::create_directories(path + "/etc/sysctl.d");
    if (with_fragment) write(k_frag, "# Written by tcptune old\nnet.core.somaxconn = 1\n");
  }
  ~FragmentRoot() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& rel, const std::string& data) const {
    fs::create_directories(fs::path(path + rel).parent_path());
    std::ofstream(path + rel, std::ios::binary) << data;
  }
  // Everything a transaction may change, journal apart.
  [[nodiscard]] std::map<std::string, std::string> state() const {
    std::map<std::string, std::string> out;
    for (const char* rel : {"/proc/sys/net/ipv4/tcp_tw_reuse", "/proc/sys/net/core/somaxconn"}) {
      std::ifstream in(path + rel, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out[rel] = ss.str();
    }
    for (const auto& de : fs::directory_iterator(path + "/etc/sysctl.d")) {
      std::ifstream in(de.path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      out[de.path().string()] = ss.str();
    }
    return out;
  }
};

JournalEntry entry_for(const FragmentRoot& r, const Journal& journal) {
  RootFs root(r.path);
  Result<FragmentState> before = inspect_fragment(root, k_frag);
  REQUIRE(before.ok());
  JournalEntry e;
  e.id = journal.new_id();
  e.profile = "t";
  e.mode = "live+persist";
  JournalFragment f;
  f.path = k_frag;
  f.previous = before.value().bytes;
  f.written = "# Written by tcptune new\nnet.ipv4.tcp_tw_reuse = 1\n";
  e.fragment = f;
  e.keys.push_back({"net.ipv4.tcp_tw_reuse", "net/ipv4/tcp_tw_reuse", "2", std::nullopt, "1"});
  e.keys.push_back({"net.core.somaxconn", "net/core/somaxconn", "4096", std::nullopt, "8192"});
  return e;
}

// The operations of a clean apply.
std::vector<std::string> clean_log(bool with_fragment) {
  FragmentRoot r(with_fragment);
  RootFs root(r.path);
  ProcSys proc(root);
  Journal journal(r.path);
  SystemWriteSide real(proc, journal);
  test::RecordingWriteSide io(real);
  JournalEntry e = entry_for(r, journal);
  TxnOutcome o = run_transaction(e, root, proc, io);
  REQUIRE(o.state == TxnState::committed);
  return io.log;
}

}  // namespace

TEST_CASE("write side: a clean apply, in the journal's order") {
  std::vector<std::string> log = clean_log(false);
  REQUIRE(log.size() == 7);
  CHECK(log[0] == "journal pending");
  CHECK(log[1].rfind("replace apply ", 0) == 0);
  CHECK(log[2] == "live apply net/ipv4/tcp_tw_reuse 1");
  CHECK(log[3] == "read_back apply net/ipv4/tcp_tw_reuse");
  CHECK(log[4] == "live apply net/core/somaxconn 8192");
  CHECK(log[5] == "read_back apply net/core/somaxconn");
  CHECK(log[6] == "journal committed");
}

TEST_CASE("write side: every operation of an apply fails with each errno; all is rolled back") {
  for (bool with_fragment : {false, true}) {
    const std::size_t ops = clean_log(with_fragment).size();
    for (std::size_t at = 0; at < ops; ++at) {
      for (int err : {EACCES, EROFS, EINVAL, ENOSPC}) {
        CAPTURE(with_fragment);
        CAPTURE(at);
        CAPTURE(err);
        FragmentRoot r(with_fragment);
        const auto before = r.state();
        RootFs root(r.path);
        ProcSys proc(root);
        Journal journal(r.path);
        SystemWriteSide real(proc, journal);
        test::RecordingWriteSide io(real);
        io.fail_at(at, err);
        JournalEntry e = entry_for(r, journal);
        TxnOutcome o = run_transaction(e, root, proc, io);
        CHECK(io.log[at].size() > 0);
        CHECK(io.log[at].substr(io.log[at].rfind('!')) == tcptune::cat("!", std::to_string(err)));
        CHECK(r.state() == before);
        CHECK(o.left.empty());
        if (at == 0) {
          // The journal cannot be written: nothing else is tried, nothing is left behind.
          CHECK(o.journal_failed);
          CHECK(io.log.size() == 1);
          CHECK_FALSE(only_entry(journal));
          continue;
        }
        CHECK(o.state == TxnState::rolled_back);
        REQUIRE(o.errors.size() == 1);
        CHECK(o.errors[0].find(std::strerror(err)) != std::string::npos);
        // After the failure: restores only (reverse order), then the final journal state.
        for (std::size_t i = at + 1; i + 1 < io.log.size(); ++i)
          CHECK(io.log[i].find(" rollback ") != std::string::npos);
        CHECK(io.log.back() == "journal rolled-back");
        std::optional<JournalEntry> j = only_entry(journal);
        REQUIRE(j);
        CHECK(j->state == TxnState::rolled_back);
        CHECK(j->rolled_back_by == "apply");
      }
    }
  }
}

TEST_CASE("write side: a failed restore is left exactly, and a later rollback finishes it") {
  for (bool with_fragment : {false, true}) {
    // Fail the commit, then each restore step after it with each errno.
    FragmentRoot probe(with_fragment);
    std::vector<std::string> rollback_ops;
    {
      RootFs root(probe.path);
      ProcSys proc(root);
      Journal journal(probe.path);
      SystemWriteSide real(proc, journal);
      test::RecordingWriteSide io(real);
      io.fail_at(6, EIO);
      JournalEntry e = entry_for(probe, journal);
      run_transaction(e, root, proc, io);
      rollback_ops = io.log;
    }
    // commit(6), the restores of somaxconn, tcp_tw_reuse and the fragment (each a write, plus a
    // read-back for live values), the final journal save.
    REQUIRE(rollback_ops.size() >= 11);
    for (std::size_t at = 7; at + 1 < rollback_ops.size(); ++at) {
      if (rollback_ops[at].rfind("read_back", 0) == 0) continue;
      for (int err : {EACCES, EROFS, EINVAL, ENOSPC}) {
        CAPTURE(with_fragment);
        CAPTURE(at);
        CAPTURE(err);
        FragmentRoot r(with_fragment);
        const auto before = r.state();
        RootFs root(r.path);
        ProcSys proc(root);
        Journal journal(r.path);
        SystemWriteSide real(proc, journal);
        test::RecordingWriteSide io(real);
        io.fail_at(6, EIO);
        io.fail_at(at, err);
        JournalEntry e = entry_for(r, journal);
        TxnOutcome o = run_transaction(e, root, proc, io);
        CHECK(o.state == TxnState::rollback_failed);
        REQUIRE(o.left.size() == 1);
        CHECK(o.left[0].find(std::strerror(err)) != std::string::npos);
        CHECK(r.state() != before);
        std::optional<JournalEntry> j = only_entry(journal);
        REQUIRE(j);
        CHECK(j->state == TxnState::rollback_failed);
        // `tcptune rollback` with the real write side finishes it.
        CHECK(rollback_drift(*j, root, proc).empty());
        RollBackOutcome out = roll_back(*j, root, proc, real, Force::no, "rollback");
        const RestoreReport& rep = out.report;
        CHECK(rep.left.empty());
        CHECK(out.saved.ok());
        CHECK(r.state() == before);
        CHECK(only_entry(journal)->state == TxnState::rolled_back);
      }
    }
  }
}

TEST_CASE("write side: a crash at every operation; the next rollback restores everything") {
  for (bool with_fragment : {false, true}) {
    const std::size_t ops = clean_log(with_fragment).size();
    for (std::size_t at = 0; at < ops; ++at) {
      CAPTURE(with_fragment);
      CAPTURE(at);
      FragmentRoot r(with_fragment);
      const auto before = r.state();
      RootFs root(r.path);
      ProcSys proc(root);
      Journal journal(r.path);
      SystemWriteSide real(proc, journal);
      test::RecordingWriteSide io(real);
      io.crash_at(at);
      JournalEntry e = entry_for(r, journal);
      CHECK_THROWS_AS(run_transaction(e, root, proc, io), test::SimulatedCrash);
      CHECK(io.log.size() == at + 1);
      std::optional<JournalEntry> j = only_entry(journal);
      if (at == 0) {
        CHECK_FALSE(j);
        CHECK(r.state() == before);
        continue;
      }
      REQUIRE(j);
      CHECK(j->state == TxnState::pending);
      CHECK(rollback_drift(*j, root, proc).empty());
      RollBackOutcome out = roll_back(*j, root, proc, real, Force::no, "rollback");
      const RestoreReport& rep = out.report;
      CHECK(rep.left.empty());
      CHECK(r.state() == before);
      CHECK(only_entry(journal)->state == TxnState::rolled_back);
    }
  }
}
