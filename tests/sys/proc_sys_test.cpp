#include "sys/proc_sys.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
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

}  // namespace tcptune
