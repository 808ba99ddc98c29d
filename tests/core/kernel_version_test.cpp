#include "core/kernel_version.hpp"

#include <doctest/doctest.h>

using tcptune::KernelVersion;
using tcptune::parse_kernel_release;
using tcptune::parse_kernel_version;

TEST_CASE("kernel release strings seen in the wild") {
  CHECK(parse_kernel_release("5.15.0-91-generic") == KernelVersion{5, 15, 0});
  CHECK(parse_kernel_release("3.10.0-1160.el7.x86_64") == KernelVersion{3, 10, 0});
  CHECK(parse_kernel_release("6.18.44-fc-v595") == KernelVersion{6, 18, 44});
  CHECK(parse_kernel_release("4.19.0+") == KernelVersion{4, 19, 0});
  CHECK(parse_kernel_release("6.1.0-28-amd64\n") == KernelVersion{6, 1, 0});
  CHECK(parse_kernel_release("6.8") == KernelVersion{6, 8, 0});
  CHECK(parse_kernel_release("6.8-rc1") == KernelVersion{6, 8, 0});
  CHECK(parse_kernel_release("4.4.0rc1") == KernelVersion{4, 4, 0});
}

TEST_CASE("malformed releases are rejected") {
  CHECK_FALSE(parse_kernel_release(""));
  CHECK_FALSE(parse_kernel_release("abc"));
  CHECK_FALSE(parse_kernel_release("5"));
  CHECK_FALSE(parse_kernel_release("5.x"));
  CHECK_FALSE(parse_kernel_release("5..1"));
  CHECK_FALSE(parse_kernel_release("99999.1"));
  CHECK_FALSE(parse_kernel_release("5.4.3.2"));
  CHECK_FALSE(parse_kernel_release(".5.4"));
}

TEST_CASE("strict versions for --kernel and the catalog") {
  CHECK(parse_kernel_version("5.15") == KernelVersion{5, 15, 0});
  CHECK(parse_kernel_version("6.1.12") == KernelVersion{6, 1, 12});
  CHECK_FALSE(parse_kernel_version("5.15-generic"));
  CHECK_FALSE(parse_kernel_version("5.15 "));
}

TEST_CASE("versions compare numerically") {
  CHECK(KernelVersion{4, 9, 0} < KernelVersion{4, 12, 0});
  CHECK(KernelVersion{4, 12, 0} < KernelVersion{5, 0, 0});
  CHECK(KernelVersion{6, 1, 0}.str(tcptune::VersionForm::short_form) == "6.1");
  CHECK(KernelVersion{6, 1, 2}.str(tcptune::VersionForm::short_form) == "6.1.2");
}
