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
  SUBCASE("the historical aliases are parameters, read for their keys by boot_value") {
    KernelCmdline c = parse_kernel_cmdline("hung_task_panic=1 numa_zonelist_order=Node");
    CHECK(c.sysctl.empty());
    CHECK(c.params == Map{{"hung_task_panic", "1"}, {"numa_zonelist_order", "Node"}});
    CHECK(c.boot_value("kernel/hung_task_panic", std::nullopt) == "1");
    CHECK(c.boot_value("vm/numa_zonelist_order", KernelVersion{4, 19, 0}) == "Node");
    CHECK(c.boot_value("kernel/softlockup_all_cpu_backtrace", std::nullopt) == std::nullopt);
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

TEST_CASE("KernelCmdline::boot_value: sysctl words from Linux 5.8 on, parameters always") {
  KernelCmdline c = parse_kernel_cmdline("panic=1 sysctl.kernel.panic=5 sysctl.vm.swappiness=7");
  // Older kernels do not know sysctl words (they pass them to init).
  CHECK(c.boot_value("vm/swappiness", KernelVersion{5, 7, 19}) == std::nullopt);
  CHECK(c.boot_value("kernel/panic", KernelVersion{4, 19, 0}) == "1");
  CHECK(c.boot_value("vm/swappiness", KernelVersion{5, 8, 0}) == "7");
  CHECK(c.boot_value("kernel/panic", KernelVersion{6, 1, 0}) == "5");
  // An unknown kernel is read as a recent one.
  CHECK(c.boot_value("kernel/panic", std::nullopt) == "5");
  // NAME= stands for kernel.NAME only, not for a deeper key or another tree.
  KernelCmdline d = parse_kernel_cmdline("swappiness=5 random=1");
  CHECK(d.boot_value("vm/swappiness", std::nullopt) == std::nullopt);
  CHECK(d.boot_value("kernel/random/boot_id", std::nullopt) == std::nullopt);
  // An empty value sets nothing, a later empty word leaves the earlier sysctl word's value.
  CHECK(parse_kernel_cmdline("panic=").boot_value("kernel/panic", std::nullopt) == std::nullopt);
  CHECK(parse_kernel_cmdline("sysctl.kernel.panic=3 sysctl.kernel.panic=")
            .boot_value("kernel/panic", std::nullopt) == "3");
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
  // On the kernel the facts are about.
  HostFactsInput in;
  in.cmdline = "sysctl.vm.swappiness=1";
  in.kernel = KernelVersion{4, 19, 0};
  HostFacts old_kernel(std::move(in));
  FactRef ref;
  ref.kind = FactKind::boot;
  ref.path = "vm/swappiness";
  CHECK_FALSE(old_kernel.get(ref, ""));
}

}  // namespace tcptune
