#include "sys/root_fs.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "test_support.hpp"

namespace tcptune {

namespace {}  // namespace

TEST_CASE("the host root is recognised by identity, whatever its spelling") {
  for (const char* spelling : {"/", "//", "/.", "/./", "/tmp/..", "/etc/../", "///."}) {
    CAPTURE(spelling);
    RootFs fs(spelling);
    CHECK(fs.is_host_root());
    CHECK(fs.root() == "/");
    CHECK(fs.host_path("/etc/sysctl.d") == "/etc/sysctl.d");
  }
  test::TempDir t("rootfs");
  const std::string dir = t.path.string();
  std::filesystem::create_symlink("/", dir + "/host");
  CHECK(RootFs(dir + "/host").is_host_root());
  CHECK_FALSE(RootFs(dir).is_host_root());
  CHECK_FALSE(RootFs(dir + "/.").is_host_root());
  CHECK_FALSE(RootFs(dir + "/no-such-dir").is_host_root());
}

}  // namespace tcptune
