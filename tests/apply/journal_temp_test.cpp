// Journal temporary files left by a kill during a save (".ID.json.tcptune-PID-RANDOM") are
// removed under the lock by the next apply or rollback when their writer is dead; a live
// writer's are kept.

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/app.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

TEST_CASE("stale journal temp files are removed under the lock") {
  tcptune::test::TempDir t("jtmp");
  const std::string r = t.path.string();
  fs::create_directories(r + "/proc/sys/net/core");
  std::ofstream(r + "/proc/sys/net/core/somaxconn") << "4096\n";
  const std::string dir = r + "/var/lib/tcptune";
  fs::create_directories(dir);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);  // `child` is a dead pid now
  const std::string dead =
      dir + "/.20261205T100000Z-01.json.tcptune-" + std::to_string(child) + "-0123abcd";
  const std::string live =
      dir + "/.20261205T100000Z-02.json.tcptune-" + std::to_string(::getpid()) + "-0123abcd";
  const std::string other = dir + "/.notes.txt";
  for (const std::string& p : {dead, live, other}) std::ofstream(p) << "{}";
  std::ostringstream out;
  std::ostringstream err;
  // Nothing to roll back (exit 2), but the lock was taken and the journal directory cleaned.
  CHECK(tcptune::run_app({"tcptune", "--root", r, "rollback"}, out, err) == 2);
  CHECK_FALSE(fs::exists(dead));
  CHECK(fs::exists(live));
  CHECK(fs::exists(other));
  std::error_code ec;
  fs::remove_all(r, ec);
}
