// A journal that cannot be written (ENOSPC) during `tcptune rollback`: nothing is restored
// when the entry cannot be marked first, and a rollback whose result cannot be recorded is not
// a success (exit 3), the entry staying pending until a later rollback records it.

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "apply/recording_write_side.hpp"
#include "apply/transaction.hpp"
#include "apply/write_side.hpp"
#include "cli/app.hpp"
#include "sys/proc_sys.hpp"
#include "sys/root_fs.hpp"
#include "test_support.hpp"

using namespace tcptune;
namespace fs = std::filesystem;

namespace {

// Owns the real write side and fails the journal saves it is told to.
class FullDisk final : public WriteSide {
 public:
  FullDisk(std::unique_ptr<WriteSide> real, std::vector<int> fail_saves)
      : m_real(std::move(real)), m_fail(std::move(fail_saves)) {}
  Result<void> write_live(const std::string& p, const std::string& v,
                          const std::optional<std::string>& raw, Step s) override {
    return m_real->write_live(p, v, raw, s);
  }
  KeyRead read_back(const std::string& p, Step s) override { return m_real->read_back(p, s); }
  Result<void> replace_file(int d, const std::string& n, const std::string& data, mode_t m,
                            const Expect& e, const std::string& sh, Step s) override {
    return m_real->replace_file(d, n, data, m, e, sh, s);
  }
  Result<void> remove_file(int d, const std::string& n, const EntryId& e, const std::string& sh,
                           Step s) override {
    return m_real->remove_file(d, n, e, sh, s);
  }
  Result<void> replace_config(int d, const std::string& n, const std::string& data, mode_t m,
                              const FileOwner& o, const Expect& e, const std::string& sh,
                              Step s) override {
    return m_real->replace_config(d, n, data, m, o, e, sh, s);
  }
  Result<void> remove_config(int d, const std::string& n, const EntryId& e, const std::string& sh,
                             Step s) override {
    return m_real->remove_config(d, n, e, sh, s);
  }
  Result<void> save_journal(const JournalEntry& e) override {
    ++m_saves;
    for (int n : m_fail) {
      if (n == 0 || n == m_saves) return SysError{ENOSPC, e.id, ""};
    }
    return m_real->save_journal(e);
  }

 private:
  std::unique_ptr<WriteSide> m_real;
  std::vector<int> m_fail;  ///< 1-based save numbers to fail; 0: all
  int m_saves = 0;
};

std::string read(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int run(const std::string& root, const std::vector<std::string>& args, std::string* out = nullptr) {
  std::vector<std::string> argv{"tcptune", "--root", root};
  argv.insert(argv.end(), args.begin(), args.end());
  std::ostringstream o;
  std::ostringstream e;
  int rc = run_app(argv, o, e);
  if (out != nullptr) *out = o.str() + e.str();
  return rc;
}

}  // namespace

TEST_CASE("rollback with a full journal disk") {
  tcptune::test::TempDir t("full");
  const std::string r = t.path.string();
  fs::create_directories(r + "/proc/sys/net/core");
  std::ofstream(r + "/proc/sys/net/core/somaxconn") << "4096\n";
  RootFs root(r);
  ProcSys proc(root);
  Journal journal(r);
  SystemWriteSide real(proc, journal);
  JournalEntry e;
  e.id = journal.new_id();
  e.profile = "t";
  e.mode = "live-only";
  e.keys.push_back({"net.core.somaxconn", "net/core/somaxconn", "4096", std::nullopt, "8192"});
  // An apply killed after its live write: the entry is pending, the value is the new one.
  test::RecordingWriteSide crash(real);
  crash.crash_at(3);
  CHECK_THROWS_AS(run_transaction(e, root, proc, crash), test::SimulatedCrash);
  REQUIRE(read(r + "/proc/sys/net/core/somaxconn") == "8192\n");
  const std::string file = r + "/var/lib/tcptune/" + e.id + ".json";
  const std::string pending = read(file);

  SUBCASE("the journal cannot be written at all: refused, nothing restored") {
    set_write_side_wrapper([](std::unique_ptr<WriteSide> w) {
      return std::make_unique<FullDisk>(std::move(w), std::vector<int>{0});
    });
    std::string out;
    CHECK(run(r, {"rollback"}, &out) == 3);
    CHECK(out.find("No space left on device") != std::string::npos);
    CHECK(out.find("nothing was changed") != std::string::npos);
    CHECK(read(r + "/proc/sys/net/core/somaxconn") == "8192\n");
    CHECK(read(file) == pending);
  }
  SUBCASE("the result cannot be recorded: exit 3, and the next rollback records it") {
    set_write_side_wrapper([](std::unique_ptr<WriteSide> w) {
      return std::make_unique<FullDisk>(std::move(w), std::vector<int>{2});
    });
    std::string out;
    CHECK(run(r, {"rollback"}, &out) == 3);
    CHECK(out.find("cannot record the rollback") != std::string::npos);
    CHECK(read(r + "/proc/sys/net/core/somaxconn") == "4096\n");
    CHECK(read(file).find("\"pending\"") != std::string::npos);
    set_write_side_wrapper(nullptr);
    CHECK(run(r, {"rollback"}, &out) == 0);
    CHECK(read(file).find("\"rolled-back\"") != std::string::npos);
  }
  set_write_side_wrapper(nullptr);
  std::error_code ec;
  fs::remove_all(r, ec);
}
