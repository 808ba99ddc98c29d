#include "sys/root_fs.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tcptune {

namespace {

// A fresh directory under /tmp, removed at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = "/tmp/tcptune-rootfs-XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    REQUIRE(p != nullptr);
    path = p;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("the host root is recognised by identity, whatever its spelling") {
  for (const char* spelling : {"/", "//", "/.", "/./", "/tmp/..", "/etc/../", "///."}) {
    CAPTURE(spelling);
    RootFs fs(spelling);
    CHECK(fs.is_host_root());
    CHECK(fs.root() == "/");
    CHECK(fs.host_path("/etc/sysctl.d") == "/etc/sysctl.d");
  }
  TempDir t;
  std::filesystem::create_symlink("/", t.path + "/host");
  CHECK(RootFs(t.path + "/host").is_host_root());
  CHECK_FALSE(RootFs(t.path).is_host_root());
  CHECK_FALSE(RootFs(t.path + "/.").is_host_root());
  CHECK_FALSE(RootFs(t.path + "/no-such-dir").is_host_root());
}

}  // namespace tcptune
