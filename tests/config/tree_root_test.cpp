#include "config/tree_root.hpp"

#include <doctest/doctest.h>

using tcptune::tree_root_of;

TEST_CASE("tree_root_of: the root of a tree laid out like one") {
  CHECK(tree_root_of("etc/sysctl.d/60-app.conf") == ".");
  CHECK(tree_root_of("./etc/sysctl.conf") == ".");
  CHECK(tree_root_of("etc/sysctl.conf") == ".");
  CHECK(tree_root_of("img/usr/lib/sysctl.d/50-x.conf") == "img");
  CHECK(tree_root_of("a/b/usr/local/lib/sysctl.d/x.conf") == "a/b");
  CHECK(tree_root_of("r/lib/sysctl.d/x.conf") == "r");
  CHECK(tree_root_of("r/run/sysctl.d/x.conf") == "r");
  CHECK(tree_root_of("/etc/sysctl.d/x.conf") == "/");
  CHECK(tree_root_of("/srv/img/etc/sysctl.conf") == "/srv/img");
  CHECK(tree_root_of("roles/web/files/etc/../etc/sysctl.d/x.conf") == "roles/web/files");
}

TEST_CASE("tree_root_of: not a root layout") {
  CHECK_FALSE(tree_root_of("sysctl.d/x.conf"));
  CHECK_FALSE(tree_root_of("x.conf"));
  CHECK_FALSE(tree_root_of("myetc/sysctl.d/x.conf"));
  CHECK_FALSE(tree_root_of("etc/sysctl.d/sub/x.conf"));
  CHECK_FALSE(tree_root_of("etc/mysysctl.conf"));
  CHECK_FALSE(tree_root_of(""));
  CHECK_FALSE(tree_root_of("etc/sysctl.d/"));
}
