#include "sys/proc_sys.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "sys/safe_fs.hpp"

namespace tcptune {

namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A root whose proc/sys/net is an absolute link to a directory outside it (on the host), and
// whose proc/sys/vm is an absolute link that makes sense inside the root.
struct EscapeTree {
  std::string top;
  std::string root;
  EscapeTree() {
    std::string tmpl = "/tmp/tcptune-procsys-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    top = tmpl;
    root = top + "/root";
    write(top + "/host/core/somaxconn", "4242\n");
    write(top + "/host/core/host_only", "1\n");
    write(root + "/proc/sys/kernel/osrelease", "6.1.0\n");
    write(root + "/data/vm/swappiness", "17\n");
    fs::create_symlink(top + "/host", root + "/proc/sys/net");
    fs::create_symlink("/data/vm", root + "/proc/sys/vm");
  }
  ~EscapeTree() { fs::remove_all(top); }
};

void check_contained(const EscapeTree& t) {
  RootFs rfs(t.root);
  ProcSys proc(rfs);
  REQUIRE(proc.available());
  // The host directory is not in the root: the key is absent, never the host's 4242.
  CHECK(proc.read("net/core/somaxconn").status == KeyStatus::absent);
  CHECK_FALSE(proc.exists("net/core/somaxconn"));
  CHECK(proc.list("net/core").empty());
  CHECK(proc.glob("net/core/*", 100).empty());
  // A link that stays inside the root is followed inside it.
  KeyRead vm = proc.read("vm/swappiness");
  CHECK(vm.status == KeyStatus::value);
  CHECK(vm.value == "17");
  std::vector<std::string> top = proc.list("");
  CHECK(std::find(top.begin(), top.end(), "kernel") != top.end());
  // The same for whole-file reads through RootFs (census, osrelease, sysctl.d).
  CHECK_FALSE(rfs.read_file("/proc/sys/net/core/somaxconn").ok());
  CHECK(rfs.read_file("/proc/sys/vm/swappiness").value() == "17\n");
  CHECK_FALSE(rfs.list_dir("/proc/sys/net/core").ok());
}

}  // namespace

TEST_CASE("proc/sys reads resolve links inside the root, never on the host") {
  EscapeTree t;
  SUBCASE("openat2 RESOLVE_IN_ROOT") { check_contained(t); }
  SUBCASE("the walk for kernels without openat2") {
    testing::set_openat2_missing(true);
    check_contained(t);
    testing::set_openat2_missing(false);
  }
}

TEST_CASE("keys open below proc/sys when the way has no link, and take the walk otherwise") {
  EscapeTree t;
  const std::string sys = t.root + "/proc/sys";
  write(sys + "/net2/ipv4/tcp_fin_timeout", "60\n");
  int dirfd = ::open(sys.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(dirfd >= 0);
  UniqueFd guard(dirfd);
  SUBCASE("the fast path itself") {
    int fd = open_beneath_linkless(dirfd, "net2/ipv4/tcp_fin_timeout", O_RDONLY);
    CHECK(fd >= 0);
    UniqueFd opened(fd);
    CHECK(open_beneath_linkless(dirfd, "vm/swappiness", O_RDONLY) == -1);
    CHECK(errno == ELOOP);  // a link on the way: the caller walks instead
    CHECK(open_beneath_linkless(dirfd, "../../data/vm/swappiness", O_RDONLY) == -1);
    CHECK(errno == EXDEV);  // above the directory
    CHECK(open_beneath_linkless(dirfd, "/etc/hostname", O_RDONLY) == -1);
    CHECK(errno == EXDEV);  // absolute
    CHECK(open_beneath_linkless(dirfd, std::string(600, 'a'), O_RDONLY) == -1);
    CHECK(errno == EXDEV);  // too long for it: the walk reports it
    CHECK(open_beneath_linkless(dirfd, "net2/nothing", O_RDONLY) == -1);
    CHECK(errno == ENOENT);
    testing::set_openat2_missing(true);
    CHECK(open_beneath_linkless(dirfd, "net2/ipv4/tcp_fin_timeout", O_RDONLY) == -1);
    CHECK(errno == ENOSYS);
    testing::set_openat2_missing(false);
  }
  SUBCASE("ProcSys gives the walk's answers") {
    RootFs rfs(t.root);
    ProcSys proc(rfs);
    KeyRead plain = proc.read("net2/ipv4/tcp_fin_timeout");
    CHECK(plain.status == KeyStatus::value);
    CHECK(plain.value == "60");
    // ".." inside proc/sys stays a plain path; above it the walk keeps it inside the root.
    CHECK(proc.read("net2/../net2/ipv4/tcp_fin_timeout").value == "60");
    CHECK(proc.read("../../data/vm/swappiness").value == "17");
    CHECK(proc.read("../../../../../../data/vm/swappiness").value == "17");
    CHECK(proc.read("net2/ipv4/none").status == KeyStatus::absent);
    CHECK(proc.read("net/core/somaxconn").status == KeyStatus::absent);  // the host's link
  }
}

}  // namespace tcptune
