#include "engine/host_facts.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>

namespace tcptune {

namespace {

using Map = std::map<std::string, std::string, std::less<>>;

std::optional<std::string> boot_fact(const std::string& cmdline, const std::string& path) {
  HostFactsInput in;
  in.cmdline = cmdline;
  HostFacts facts(std::move(in));
  FactRef ref;
  ref.kind = FactKind::boot;
  ref.path = path;
  std::optional<FactValue> v = facts.get(ref, "");
  if (!v) return std::nullopt;
  return fact_text(*v);
}

}  // namespace

TEST_CASE("parse_kernel_cmdline reads the words as the kernel does") {
  SUBCASE("sysctl words by path, every dot a slash; other NAME=V words by name") {
    KernelCmdline c = parse_kernel_cmdline(
        "BOOT_IMAGE=/vmlinuz root=UUID=ab quiet sysctl.net.ipv4.tcp_tw_reuse=2 "
        "sysctl/net/core/somaxconn=4096 sysctl.net/ipv4.conf/eth0.rp_filter=1 panic=10\n");
    CHECK(c.sysctl == Map{{"net/ipv4/tcp_tw_reuse", "2"},
                          {"net/core/somaxconn", "4096"},
                          {"net/ipv4/conf/eth0/rp_filter", "1"}});
    CHECK(c.params == Map{{"BOOT_IMAGE", "/vmlinuz"}, {"root", "UUID=ab"}, {"panic", "10"}});
  }
  SUBCASE("a later word wins") {
    KernelCmdline c = parse_kernel_cmdline(
        "sysctl.vm.swappiness=10 panic=1 "
        "sysctl/vm/swappiness=20 panic=5");
    CHECK(c.sysctl == Map{{"vm/swappiness", "20"}});
    CHECK(c.params == Map{{"panic", "5"}});
  }
  SUBCASE("the words after -- are init's") {
    KernelCmdline c = parse_kernel_cmdline(
        "sysctl.vm.swappiness=10 --foo sysctl.vm.swappiness=30 -- "
        "sysctl.vm.swappiness=99 panic=3");
    CHECK(c.sysctl == Map{{"vm/swappiness", "30"}});
    CHECK(c.params.empty());
    // "--=x" has a value: it is a parameter, not the end.
    CHECK(parse_kernel_cmdline("--=x panic=2").params == Map{{"--", "x"}, {"panic", "2"}});
  }
  SUBCASE("double quotes group words; a quoted value or word loses its quotes") {
    KernelCmdline c = parse_kernel_cmdline(
        "sysctl.kernel.core_pattern=\"|/usr/bin/x %p %e\" \"sysctl.kernel.domainname=a b\" "
        "x=\"\"");
    CHECK(c.sysctl ==
          Map{{"kernel/core_pattern", "|/usr/bin/x %p %e"}, {"kernel/domainname", "a b"}});
    CHECK(c.params == Map{{"x", ""}});
  }
  SUBCASE("no value, or an empty one, writes nothing") {
    KernelCmdline c = parse_kernel_cmdline(
        "sysctl.vm.swappiness sysctl.vm.overcommit_memory= "
        "sysctl.=1 sysctl=1 sysctlx.a=1");
    CHECK(c.sysctl.empty());
    CHECK(c.params == Map{{"sysctl.", "1"}, {"sysctl", "1"}, {"sysctlx.a", "1"}});
  }
  SUBCASE("the historical aliases") {
    KernelCmdline c = parse_kernel_cmdline("hung_task_panic=1 numa_zonelist_order=Node");
    CHECK(c.sysctl == Map{{"kernel/hung_task_panic", "1"}, {"vm/numa_zonelist_order", "Node"}});
    CHECK(c.params.empty());
  }
  SUBCASE("tabs, line breaks and no-break spaces separate; a NUL ends the line") {
    const std::string nbsp = "\xa0";
    const std::string nul(1, '\0');
    KernelCmdline c = parse_kernel_cmdline("\t a=1\n" + nbsp + "b=2\r\fc=3" + nul + "d=4");
    CHECK(c.params == Map{{"a", "1"}, {"b", "2"}, {"c", "3"}});
  }
  SUBCASE("empty and blank lines") {
    CHECK(parse_kernel_cmdline("").params.empty());
    CHECK(parse_kernel_cmdline(" \n").sysctl.empty());
    CHECK(parse_kernel_cmdline("\"").params.empty());
  }
}

TEST_CASE("HostFacts: boot.KEY is what the command line writes") {
  CHECK(boot_fact("quiet sysctl.net.ipv4.tcp_tw_reuse=2", "net/ipv4/tcp_tw_reuse") == "2");
  CHECK(boot_fact("quiet sysctl.net.ipv4.tcp_tw_reuse=2", "net/ipv4/tcp_timestamps") ==
        std::nullopt);
  // kernel.NAME also from its classic parameter, after which sysctl.kernel.NAME is written.
  CHECK(boot_fact("panic=10", "kernel/panic") == "10");
  CHECK(boot_fact("sysctl.kernel.panic=5 panic=1", "kernel/panic") == "5");
  CHECK(boot_fact("swappiness=5", "vm/swappiness") == std::nullopt);
  CHECK(boot_fact("sysctl.vm.swappiness=1 sysctl.vm.swappiness=7", "vm/swappiness") == "7");
  CHECK(boot_fact("-- sysctl.vm.swappiness=1", "vm/swappiness") == std::nullopt);
  CHECK(boot_fact("", "kernel/panic") == std::nullopt);
}

}  // namespace tcptune
