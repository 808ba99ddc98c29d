// Transactions are ordered by their sequence number, not by the time in their id: with the
// clock stepped back between two applies, history lists them in the order they ran and
// `tcptune rollback` (no id) undoes the later one.

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "apply/journal.hpp"
#include "cli/app.hpp"
#include "test_support.hpp"

using namespace tcptune;
namespace fs = std::filesystem;

TEST_CASE("journal order: by seq, not by the clock in the id") {
  tcptune::test::TempDir t("seq");
  const std::string r = t.path.string();
  fs::create_directories(r + "/proc/sys/net/core");
  std::ofstream(r + "/proc/sys/net/core/somaxconn") << "16384\n";
  Journal journal(r);
  auto entry = [](const std::string& id, long seq, const std::string& before,
                  const std::string& target) {
    JournalEntry e;
    e.id = id;
    e.seq = seq;
    e.state = TxnState::committed;
    e.profile = std::string(1, 't');  // a one-character literal assignment: GCC PR 105651
    e.mode = "live-only";
    e.started = "2026-12-05T10:00:00Z";
    e.keys.push_back({"net.core.somaxconn", "net/core/somaxconn", before, std::nullopt, target});
    return e;
  };
  // The first apply ran at 11:00; then the clock was set back an hour for the second.
  REQUIRE(journal.save(entry("20261205T110000Z-01", 1, "4096", "8192")).ok());
  REQUIRE(journal.save(entry("20261205T100000Z-01", 2, "8192", "16384")).ok());
  Result<std::vector<Journal::Item>> items = journal.list();
  REQUIRE(items.ok());
  REQUIRE(items.value().size() == 2);
  CHECK(items.value()[0].id == "20261205T110000Z-01");
  CHECK(items.value()[1].id == "20261205T100000Z-01");
  CHECK(Journal::next_seq(items.value()) == 3);

  std::ostringstream out;
  std::ostringstream err;
  CHECK(run_app({"tcptune", "--root", r, "rollback"}, out, err) == 0);
  CHECK(out.str().find("20261205T100000Z-01") != std::string::npos);
  std::ifstream in(r + "/proc/sys/net/core/somaxconn");
  std::string v;
  in >> v;
  CHECK(v == "8192");
  std::error_code ec;
  fs::remove_all(r, ec);
}
