#include "sys/proc_owners.hpp"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "test_support.hpp"

using tcptune::cgroup_paths_by_id;
using tcptune::find_socket_owners;
using tcptune::test::symlink_at;
using tcptune::test::TempDir;
using tcptune::test::write_file;

namespace fs = std::filesystem;

TEST_CASE("owners from a /proc tree: only the inodes asked for, shared sockets, cgroups") {
  TempDir t("owners");
  const fs::path proc = t.path / "proc";
  // pid 100: nginx master and worker (101) share the listener 5000; 101 also holds 5001.
  symlink_at("socket:[5000]", proc / "100/fd/6");
  symlink_at("/dev/null", proc / "100/fd/0");
  symlink_at("pipe:[77]", proc / "100/fd/1");
  write_file(proc / "100/comm", "nginx\n");
  write_file(proc / "100/cgroup", "0::/system.slice/nginx.service\n");
  symlink_at("socket:[5000]", proc / "101/fd/6");
  symlink_at("socket:[5001]", proc / "101/fd/7");
  write_file(proc / "101/comm", "nginx\n");
  write_file(proc / "101/cgroup", "0::/system.slice/nginx.service\n");
  // pid 200 holds a socket nobody asked about.
  symlink_at("socket:[9999]", proc / "200/fd/3");
  write_file(proc / "200/comm", "sshd\n");
  // Not processes.
  write_file(proc / "self/comm", "x");
  write_file(proc / "net/tcp", "");
  // A link that tries to point out of the tree is read as text, never followed.
  symlink_at("/etc", proc / "300/fd/4");
  write_file(proc / "300/comm", "evil\n");

  auto r = find_socket_owners(proc.string(), {5000, 5001, 4242});
  REQUIRE(r.ok());
  const auto& o = r.value();
  REQUIRE(o.holders.size() == 2);
  CHECK(o.holders.at(5000) == std::vector<int>{100, 101});
  CHECK(o.holders.at(5001) == std::vector<int>{101});
  CHECK_FALSE(o.holders.contains(4242));
  CHECK(o.processes.size() == 2);
  CHECK(o.processes.at(100).comm == "nginx");
  CHECK(o.processes.at(101).owner.unit == "nginx.service");
  CHECK_FALSE(o.processes.contains(200));
  CHECK(o.processes_scanned == 4);
  CHECK(o.descriptors_scanned == 7);
}

TEST_CASE("owners: nothing asked, nothing walked; a missing /proc is an error naming it") {
  TempDir t("owners");
  auto r = find_socket_owners((t.path / "proc").string(), {1});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().path == (t.path / "proc").string());
  fs::create_directories(t.path / "proc/1/fd");
  auto empty = find_socket_owners((t.path / "proc").string(), {});
  REQUIRE(empty.ok());
  CHECK(empty.value().processes_scanned == 0);
}

TEST_CASE("owners on the live kernel: this process's own socket") {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(s >= 0);
  struct stat st {};
  REQUIRE(::fstat(s, &st) == 0);
  const auto ino = static_cast<std::uint32_t>(st.st_ino);
  auto r = find_socket_owners("/proc", {ino});
  ::close(s);
  REQUIRE(r.ok());
  REQUIRE(r.value().holders.contains(ino));
  CHECK(r.value().holders.at(ino) == std::vector<int>{static_cast<int>(::getpid())});
  CHECK(r.value().processes.at(::getpid()).comm.rfind("tcptune_tests", 0) == 0);
}

TEST_CASE("cgroup ids to paths: a tree of directories, and this process's own cgroup") {
  TempDir t;
  fs::create_directories(t.path / "cg/system.slice/nginx.service");
  fs::create_directories(t.path / "cg/user.slice");
  std::ofstream(t.path / "cg/cgroup.controllers") << "cpu memory\n";
  struct stat st {};
  REQUIRE(::stat((t.path / "cg/system.slice/nginx.service").c_str(), &st) == 0);
  const std::uint64_t nginx = st.st_ino;
  REQUIRE(::stat((t.path / "cg").c_str(), &st) == 0);
  const std::uint64_t root = st.st_ino;
  auto got = cgroup_paths_by_id((t.path / "cg").string(), {nginx, root, 1});
  CHECK(got.size() == 2);
  CHECK(got[nginx] == "/system.slice/nginx.service");
  CHECK(got[root] == "/");
  // Not a cgroup v2 root (no cgroup.controllers), nor its "unified" directory: nothing.
  CHECK(cgroup_paths_by_id((t.path / "cg/user.slice").string(), {nginx}).empty());

  // The live hierarchy, where the kernel's cgroup id of a directory is its inode number.
  std::string self;
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("0::", 0) == 0) self = line.substr(3);
  const std::string unified =
      fs::exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
  if (self.empty() || ::stat((unified + (self == "/" ? "" : self)).c_str(), &st) != 0) {
    MESSAGE("no cgroup v2 hierarchy here: the live part is not checked");
    return;
  }
  auto live = cgroup_paths_by_id("/sys/fs/cgroup", {st.st_ino});
  REQUIRE(live.size() == 1);
  CHECK(live.begin()->second == self);
}
