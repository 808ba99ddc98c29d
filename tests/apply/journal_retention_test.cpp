// Retention (hole 9 of issue 18): the journal no longer grows forever. When a transaction ends,
// the oldest finished entries beyond --journal-keep (default 100) are removed; pending entries,
// failed rollbacks and unreadable files are never removed.

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "apply/journal.hpp"
#include "cli/app.hpp"
#include "test_support.hpp"

using namespace tcptune;
namespace fs = std::filesystem;

namespace {

std::string id_of(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "20261205T%06dZ-01", n);
  return buf;
}

JournalEntry entry(int n, TxnState state) {
  JournalEntry e;
  e.id = id_of(n);
  e.seq = n;
  e.state = state;
  e.profile = "web";
  e.mode = "live-only";
  e.started = "2026-12-05T10:00:00Z";
  e.keys.push_back({"net.core.somaxconn", "net/core/somaxconn", std::to_string(4000 + n - 1),
                    std::nullopt, std::to_string(4000 + n)});
  return e;
}

std::set<std::string> files(const std::string& root) {
  std::set<std::string> out;
  for (const auto& de : fs::directory_iterator(root + "/var/lib/tcptune"))
    out.insert(de.path().filename().string());
  return out;
}

}  // namespace

TEST_CASE("journal retention: prune keeps the newest finished entries and every unfinished one") {
  tcptune::test::TempDir t("keep");
  const std::string r = t.path.string();
  Journal journal(r);
  REQUIRE(journal.save(entry(1, TxnState::pending)).ok());
  REQUIRE(journal.save(entry(2, TxnState::rollback_failed)).ok());
  for (int n = 3; n <= 40; ++n)
    REQUIRE(journal.save(entry(n, n % 5 == 0 ? TxnState::rolled_back : TxnState::committed)).ok());
  std::ofstream(r + "/var/lib/tcptune/20261205T000000Z-99.json") << "{ not json";
  Result<std::vector<Journal::Item>> items = journal.list();
  REQUIRE(items.ok());
  REQUIRE(items.value().size() == 41);

  CHECK(journal.prune(items.value(), 0).empty());   // 0 keeps everything
  CHECK(journal.prune(items.value(), 38).empty());  // 38 finished: nothing to do
  std::vector<std::string> removed = journal.prune(items.value(), 10);
  REQUIRE(removed.size() == 28);
  CHECK(removed.front() == id_of(3));
  CHECK(removed.back() == id_of(30));
  std::set<std::string> left = files(r);
  CHECK(left.size() == 13);
  CHECK(left.count(id_of(1) + ".json") == 1);          // pending
  CHECK(left.count(id_of(2) + ".json") == 1);          // rollback failed
  CHECK(left.count("20261205T000000Z-99.json") == 1);  // unreadable
  for (int n = 31; n <= 40; ++n) CHECK(left.count(id_of(n) + ".json") == 1);
  std::error_code ec;
  fs::remove_all(r, ec);
}

TEST_CASE("journal retention: rollback prunes once the rollback is recorded (default 100)") {
  tcptune::test::TempDir t("keep-rb");
  const std::string r = t.path.string();
  fs::create_directories(r + "/proc/sys/net/core");
  std::ofstream(r + "/proc/sys/net/core/somaxconn") << "4150\n";
  Journal journal(r);
  for (int n = 1; n <= 150; ++n) REQUIRE(journal.save(entry(n, TxnState::committed)).ok());

  std::ostringstream out;
  std::ostringstream err;
  REQUIRE(run_app({"tcptune", "--root", r, "rollback"}, out, err) == 0);
  CHECK(out.str().find(id_of(150)) != std::string::npos);
  std::set<std::string> left = files(r);
  CHECK(left.size() == 100);
  CHECK(left.count(id_of(51) + ".json") == 1);
  CHECK(left.count(id_of(50) + ".json") == 0);
  Result<std::vector<Journal::Item>> items = journal.list();
  REQUIRE(items.ok());
  CHECK(items.value().back().entry->state == TxnState::rolled_back);

  // --journal-keep N on the next rollback (of 149, the newest committed one left).
  std::ostringstream out2;
  REQUIRE(run_app({"tcptune", "--root", r, "rollback", "--journal-keep", "5"}, out2, err) == 0);
  CHECK(out2.str().find(id_of(149)) != std::string::npos);
  left = files(r);
  CHECK(left.size() == 5);
  CHECK(left.count(id_of(146) + ".json") == 1);
  CHECK(left.count(id_of(150) + ".json") == 1);
  std::error_code ec;
  fs::remove_all(r, ec);
}
