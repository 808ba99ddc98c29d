#include "sys/netns_list.hpp"

#include <doctest/doctest.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "test_support.hpp"

using tcptune::list_network_namespaces;
using tcptune::NetnsEntry;
using tcptune::test::TempDir;
using tcptune::test::write_file;

namespace fs = std::filesystem;

namespace {

const NetnsEntry* by_name(const std::vector<NetnsEntry>& v, const std::string& name) {
  auto it = std::find_if(v.begin(), v.end(), [&](const NetnsEntry& e) { return e.name == name; });
  return it == v.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("namespaces of a fixture root: deduplicated, named, initial first") {
  TempDir t("netns");
  const fs::path r = t.path;
  // Namespace A: pid 1 and 7 (hard links share an identity, as nsfs files of one namespace do).
  write_file(r / "proc/1/ns/net", "");
  write_file(r / "proc/1/comm", "systemd\n");
  fs::create_directories(r / "proc/7/ns");
  fs::create_hard_link(r / "proc/1/ns/net", r / "proc/7/ns/net");
  // Namespace B: a docker container's process.
  write_file(r / "proc/40/ns/net", "");
  write_file(r / "proc/40/comm", "nginx\n");
  write_file(
      r / "proc/40/cgroup",
      "0::/system.slice/docker-4f1c2e9a0b3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6"
      ".scope\n");
  // Namespace C: named under /run/netns, with one process in it.
  write_file(r / "run/netns/blue", "");
  fs::create_directories(r / "proc/50/ns");
  fs::create_hard_link(r / "run/netns/blue", r / "proc/50/ns/net");
  write_file(r / "proc/50/comm", "iperf3\n");
  // Namespace D: a process with no cgroup information.
  write_file(r / "proc/60/ns/net", "");
  write_file(r / "proc/60/comm", "sleep\n");
  // Namespace E: named and idle.
  write_file(r / "run/netns/idle", "");

  auto got = list_network_namespaces(r.string());
  REQUIRE(got.ok());
  const auto& v = got.value();
  REQUIRE(v.size() == 5);
  CHECK(v[0].name == "initial");
  CHECK(v[0].initial);
  CHECK(v[0].processes == 2);
  CHECK(v[0].first_pid == 1);
  const NetnsEntry* b = by_name(v, "docker:4f1c2e9a0b3d");
  REQUIRE(b != nullptr);
  CHECK(b->owner.runtime == "docker");
  CHECK(b->path == (r / "proc/40/ns/net").string());
  const NetnsEntry* c = by_name(v, "blue");
  REQUIRE(c != nullptr);
  CHECK(c->path == (r / "run/netns/blue").string());
  CHECK(c->processes == 1);
  CHECK(c->comm == "iperf3");
  CHECK(by_name(v, "pid 60 (sleep)") != nullptr);
  const NetnsEntry* e = by_name(v, "idle");
  REQUIRE(e != nullptr);
  CHECK(e->processes == 0);
  CHECK_FALSE(e->initial);
}

TEST_CASE("namespaces: a root without /proc is an error naming it") {
  TempDir t("netns");
  auto got = list_network_namespaces(t.path.string());
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().path == (t.path / "proc").string());
}

TEST_CASE("namespaces on the live host: a child in a new network namespace is found") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: creating a network namespace needs root");
    return;
  }
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    char ok = ::unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
    (void)!::write(ready[1], &ok, 1);
    ::pause();  // bounded: the parent kills it
    ::_exit(0);
  }
  char ok = 'n';
  REQUIRE(::read(ready[0], &ok, 1) == 1);
  ::close(ready[0]);
  ::close(ready[1]);
  auto got = list_network_namespaces("/");
  struct stat mine {};
  struct stat theirs {};
  const bool stat_ok = ::stat("/proc/self/ns/net", &mine) == 0 &&
                       ::stat(("/proc/" + std::to_string(child) + "/ns/net").c_str(), &theirs) == 0;
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  REQUIRE(ok == 'y');
  REQUIRE(stat_ok);
  REQUIRE(got.ok());
  const auto& v = got.value();
  auto find = [&](const struct stat& st) {
    return std::find_if(v.begin(), v.end(), [&](const NetnsEntry& e) {
      return e.dev == st.st_dev && e.ino == st.st_ino;
    });
  };
  REQUIRE(find(mine) != v.end());
  auto it = find(theirs);
  REQUIRE(it != v.end());
  CHECK_FALSE(it->initial);
  CHECK(it->processes == 1);
  CHECK(it->first_pid == child);
  // Identities are unique.
  for (std::size_t i = 0; i < v.size(); ++i)
    for (std::size_t j = i + 1; j < v.size(); ++j)
      CHECK_FALSE((v[i].dev == v[j].dev && v[i].ino == v[j].ino));
}
