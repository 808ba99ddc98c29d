#include "core/sysctl_key.hpp"

#include <doctest/doctest.h>

using namespace tcptune;

TEST_CASE("dotted and slashed keys normalize to one path") {
  CHECK(normalize_key("net.ipv4.tcp_tw_reuse").path == "net/ipv4/tcp_tw_reuse");
  CHECK(normalize_key("net/ipv4/tcp_tw_reuse").key == "net.ipv4.tcp_tw_reuse");
  // VLAN interface names: the first separator decides (docs/facts.md#sysctl-d-syntax).
  NormalizedKey a = normalize_key("net.ipv4.conf.eth0/100.rp_filter");
  NormalizedKey b = normalize_key("net/ipv4/conf/eth0.100/rp_filter");
  CHECK(a.path == "net/ipv4/conf/eth0.100/rp_filter");
  CHECK(a.path == b.path);
  CHECK(a.key == b.key);
  CHECK(a.key == "net.ipv4.conf.eth0/100.rp_filter");
}

TEST_CASE("globs are recognised") {
  CHECK(normalize_key("net.ipv4.conf.*.rp_filter").glob);
  CHECK(normalize_key("net.ipv4.conf.eth?.rp_filter").glob);
  CHECK_FALSE(normalize_key("net.ipv4.tcp_rmem").glob);
}

TEST_CASE("keys that would escape /proc/sys are rejected") {
  CHECK(normalize_key("net/../../etc/passwd").problem == KeyProblem::escapes_proc);
  CHECK(normalize_key("/etc/passwd").problem == KeyProblem::escapes_proc);
  CHECK(normalize_key("net/./ipv4").problem == KeyProblem::escapes_proc);
  CHECK(normalize_key(std::string_view("net.ipv4\0x", 10)).problem == KeyProblem::escapes_proc);
  CHECK(normalize_key("net.ipv4\nx").problem == KeyProblem::escapes_proc);
  CHECK(normalize_key("net/..").problem == KeyProblem::escapes_proc);
  CHECK(normalize_key("..").problem == KeyProblem::escapes_proc);
  CHECK(normalize_key("../../../etc/shadow").problem == KeyProblem::escapes_proc);
  CHECK(normalize_key("net..ipv4").problem == KeyProblem::invalid);  // a doubled dot is a typo
}

TEST_CASE("malformed keys are invalid, not dangerous") {
  CHECK(normalize_key("").problem == KeyProblem::empty);
  CHECK(normalize_key("net.ipv4.tcp fin_timeout").problem == KeyProblem::invalid);
  CHECK(normalize_key("net..ipv4").problem == KeyProblem::invalid);
  CHECK(normalize_key("net.ipv4.").problem == KeyProblem::invalid);
  CHECK(normalize_key("net.ipv4.x\x01").problem == KeyProblem::invalid);
}
