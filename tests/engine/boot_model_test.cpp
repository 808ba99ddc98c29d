// The boot model (tcptune config): each case is a behaviour measured on Linux 6.18 with
// systemd-sysctl 252 and procps-ng 4.0.2 (tests/fidelity/differential.py runs the real programs).
#include "engine/boot_model.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace tcptune;
using tcptune::test::FakeKeySource;
using tcptune::test::make_set;

namespace {

std::map<std::string, std::string> netns_keys() {
  return {
      {"net/ipv4/tcp_fin_timeout", "60"},
      {"net/ipv4/tcp_keepalive_probes", "9"},
      {"net/ipv4/tcp_rmem", "4096 131072 6291456"},
      {"net/ipv4/ip_local_port_range", "32768 60999"},
      {"net/ipv4/ip_unprivileged_port_start", "1024"},
      {"net/ipv4/ipfrag_high_thresh", "4194304"},
      {"net/ipv4/ipfrag_low_thresh", "3145728"},
      {"net/ipv4/ip_forward", "0"},
      {"net/ipv4/conf/all/forwarding", "0"},
      {"net/ipv4/conf/all/accept_redirects", "1"},
      {"net/ipv4/conf/all/mc_forwarding", "0"},
      {"net/ipv4/conf/default/forwarding", "0"},
      {"net/ipv4/conf/default/rp_filter", "0"},
      {"net/ipv4/conf/eth0/forwarding", "0"},
      {"net/ipv4/conf/eth0/rp_filter", "0"},
      {"net/ipv4/conf/default/disable_policy", "0"},
      {"net/ipv4/conf/eth0/disable_policy", "0"},
      {"net/ipv4/conf/default/route_localnet", "0"},
      {"net/ipv4/conf/eth0/route_localnet", "0"},
      {"net/ipv4/conf/lo/rp_filter", "0"},
      {"net/ipv6/conf/all/hop_limit", "64"},
      {"net/ipv6/conf/eth0/hop_limit", "64"},
      {"net/ipv6/conf/lo/hop_limit", "64"},
      {"net/ipv6/conf/default/hop_limit", "64"},
      {"net/ipv6/conf/all/disable_ipv6", "0"},
      {"net/ipv6/conf/default/disable_ipv6", "0"},
      {"net/ipv6/conf/eth0/disable_ipv6", "0"},
      {"net/ipv6/conf/lo/disable_ipv6", "0"},
      {"net/ipv6/conf/all/ignore_routes_with_linkdown", "0"},
      {"net/ipv6/conf/default/ignore_routes_with_linkdown", "0"},
      {"net/ipv6/conf/eth0/ignore_routes_with_linkdown", "0"},
      {"net/ipv6/conf/lo/ignore_routes_with_linkdown", "0"},
      {"net/ipv6/conf/all/addr_gen_mode", "0"},
      {"net/ipv6/conf/default/addr_gen_mode", "0"},
      {"net/ipv6/conf/eth0/addr_gen_mode", "0"},
      {"net/ipv6/conf/lo/addr_gen_mode", "0"},
  };
}

struct Boot {
  FakeKeySource live;
  BootModel model;
  Boot(const std::string& content, Semantics s, BootDetail detail = BootDetail::full)
      : live(netns_keys()),
        model(simulate_boot(
            make_set({{"/etc/sysctl.d", "10-a.conf", content}}, s), live,
            [](const std::string& p) { return p != "net/ipv4/conf/all/mc_forwarding"; },
            &tcptune::test::shipped_keys(), detail)) {}
  std::string value(const std::string& path) const {
    auto it = model.keys.find(path);
    if (it == model.keys.end() || !it->second.value) return "(kernel's)";
    return *it->second.value;
  }
};

}  // namespace

TEST_CASE("kernel_write: the integer parser, enforced ranges, trailing text") {
  const Catalog& c = tcptune::test::shipped_keys();
  auto w = [&](const std::string& path, const std::string& text, const std::string& cur) {
    return kernel_write(path, text, cur, {}, c.find(path), NetnsKind::child);
  };
  CHECK(w("net/ipv4/tcp_fin_timeout", "56 # note", "60").value == "56");
  CHECK(w("net/ipv4/tcp_fin_timeout", "1210;x", "60").error.rfind("EINVAL", 0) == 0);
  CHECK(w("net/ipv4/tcp_fin_timeout", "0x10", "60").value == "16");
  CHECK(w("net/ipv4/tcp_fin_timeout", "", "60").error.rfind("EINVAL", 0) == 0);
  CHECK(w("net/ipv4/tcp_keepalive_probes", "300", "9").error.rfind("EINVAL", 0) == 0);
  CHECK(w("net/ipv4/tcp_keepalive_probes", "255", "9").value == "255");
  CHECK(w("net/ipv4/ip_local_port_range", "10000 60999 # x", "32768 60999").value == "10000 60999");
  // The kernel's isspace() also skips Latin-1's no-break space (0xA0) before a number, but only
  // ' ', '\t' and '\n' may follow one (measured on 6.18 in a new network namespace).
  const std::string nbsp = "\xa0";
  CHECK(w("net/ipv4/tcp_fin_timeout", nbsp + nbsp + "56", "60").value == "56");
  CHECK(w("net/ipv4/ip_local_port_range", nbsp + "1025 " + nbsp + " 60000", "32768 60999").value ==
        "1025 60000");
  CHECK(w("net/ipv4/ip_local_port_range", "10000" + nbsp + "60000", "32768 60999")
            .error.rfind("EINVAL", 0) == 0);
  // proc_dointvec stores each field as it goes: a bad third field still leaves the first two.
  KernelVerdict rmem = w("net/ipv4/tcp_rmem", "8192 87380 16777216;x", "4096 131072 6291456");
  CHECK(rmem.error.rfind("EINVAL", 0) == 0);
  CHECK(rmem.value == "8192 87380 6291456");
  // ping_group_range parses into a copy: all or nothing (measured on 6.18: '0 2147483647;x' is
  // EINVAL and the key keeps '1 0'); an end before the start is stored as '1 0'; one field
  // keeps the other; a gid over 4294967294 is EINVAL.
  KernelVerdict ping = w("net/ipv4/ping_group_range", "0 2147483647;x", "1\t0");
  CHECK(ping.error.rfind("EINVAL", 0) == 0);
  CHECK_FALSE(ping.value);
  CHECK(w("net/ipv4/ping_group_range", "5 3", "0\t10").value == "1 0");
  CHECK(w("net/ipv4/ping_group_range", "7", "0\t4294967294").value == "7 4294967294");
  CHECK(w("net/ipv4/ping_group_range", "0 4294967294", "1\t0").value == "0 4294967294");
  CHECK(w("net/ipv4/ping_group_range", "0 4294967295", "1\t0").error.rfind("EINVAL", 0) == 0);
  CHECK(w("net/ipv4/ping_group_range", "-1 5", "1\t0").error.rfind("EINVAL", 0) == 0);
}

TEST_CASE("coupled keys are judged in write order; a refused write keeps the old value") {
  Boot bad("net.ipv4.ipfrag_high_thresh = 512000\nnet.ipv4.ipfrag_low_thresh = 446464\n",
           Semantics::procps);
  CHECK(bad.value("net/ipv4/ipfrag_high_thresh") == "(kernel's)");
  CHECK(bad.value("net/ipv4/ipfrag_low_thresh") == "446464");
  CHECK(bad.model.exit_status == 1);
  Boot good("net.ipv4.ipfrag_low_thresh = 446464\nnet.ipv4.ipfrag_high_thresh = 512000\n",
            Semantics::procps);
  CHECK(good.value("net/ipv4/ipfrag_high_thresh") == "512000");
  CHECK(good.model.exit_status == 0);
  Boot later("net.ipv4.tcp_keepalive_probes = 12\nnet.ipv4.tcp_keepalive_probes = 300\n",
             Semantics::procps);
  CHECK(later.value("net/ipv4/tcp_keepalive_probes") == "12");
}

TEST_CASE("systemd: a re-assigned glob moves to the end; an unchanged value is not written") {
  Boot g(
      "net.ipv6.conf.*.hop_limit = 81\nnet.ipv6.conf.[ae]*.hop_limit = 82\n"
      "net.ipv6.conf.*.hop_limit = 83\n",
      Semantics::systemd);
  CHECK(g.value("net/ipv6/conf/eth0/hop_limit") == "83");
  Boot u("net.ipv4.conf.eth0.rp_filter = 0\nnet.ipv4.conf.default.rp_filter = 2\n",
         Semantics::systemd);
  CHECK(u.value("net/ipv4/conf/eth0/rp_filter") == "2");  // follows default: never written
  Boot p("net.ipv4.conf.eth0.rp_filter = 0\nnet.ipv4.conf.default.rp_filter = 2\n",
         Semantics::procps);
  CHECK(p.value("net/ipv4/conf/eth0/rp_filter") == "0");  // written: the kernel keeps it
}

TEST_CASE("systemd: the same value again keeps its place, and its '-' covers the failure") {
  // 512000 is below ipfrag_low_thresh: EINVAL. systemd-sysctl keeps the first entry and ORs the
  // second one's '-' into it (measured: exit 0); procps writes both lines, and its '-' does not
  // cover the kernel's EINVAL.
  const std::string twice =
      "net.ipv4.ipfrag_high_thresh = 512000\n-net.ipv4.ipfrag_high_thresh = 512000\n";
  Boot sd(twice, Semantics::systemd);
  CHECK(sd.model.exit_status == 0);
  CHECK(sd.value("net/ipv4/ipfrag_high_thresh") == "(kernel's)");
  Boot ps(twice, Semantics::procps);
  CHECK(ps.model.exit_status == 1);
  Boot once("net.ipv4.ipfrag_high_thresh = 512000\n", Semantics::systemd);
  CHECK(once.model.exit_status == 1);
  // A different value replaces the entry, '-' and all.
  Boot other("-net.ipv4.ipfrag_high_thresh = 512000\nnet.ipv4.ipfrag_high_thresh = 512001\n",
             Semantics::systemd);
  CHECK(other.model.exit_status == 1);
}

TEST_CASE("spellings, dashes and read-only keys per program") {
  Boot s("/net/ipv4/tcp_fin_timeout = 31\nnet.ipv4.tcp_fin_timeout = 31\n", Semantics::systemd);
  CHECK(s.value("net/ipv4/tcp_fin_timeout") == "31");
  Boot dot("net/ipv4/../ipv4/tcp_fin_timeout = 32\n", Semantics::systemd);
  CHECK(dot.value("net/ipv4/tcp_fin_timeout") == "(kernel's)");
  CHECK(dot.model.exit_status == 1);
  Boot dotp("net/ipv4/../ipv4/tcp_fin_timeout = 32\n", Semantics::procps);
  CHECK(dotp.value("net/ipv4/tcp_fin_timeout") == "32");
  Boot dash("- net.ipv4.tcp_fin_timeout = 35\n--net.ipv4.tcp_keepalive_probes = 7\n",
            Semantics::procps);
  CHECK(dash.value("net/ipv4/tcp_fin_timeout") == "(kernel's)");
  CHECK(dash.value("net/ipv4/tcp_keepalive_probes") == "7");
  Boot ro("net.ipv4.conf.all.mc_forwarding = 1\n", Semantics::procps);
  CHECK(ro.value("net/ipv4/conf/all/mc_forwarding") == "(kernel's)");
  CHECK(ro.model.exit_status == 0);  // procps prints, but its exit status does not count it
  REQUIRE(!ro.model.notes.empty());
  CHECK(ro.model.notes[0].code == "TT1014");
  Boot dashed("-net.ipv4.ip_unprivileged_port_start = 40000\n", Semantics::procps);
  CHECK(dashed.model.exit_status == 1);  // the '-' does not cover the kernel's EINVAL
  Boot dashed_sd("-net.ipv4.ip_unprivileged_port_start = 40000\n", Semantics::systemd);
  CHECK(dashed_sd.model.exit_status == 0);
}

TEST_CASE("the kernel's own copies: IPv4 forwarding on a change, conf.default to interfaces") {
  Boot f("net.ipv4.ip_forward = 1\n", Semantics::procps);
  CHECK(f.value("net/ipv4/conf/all/accept_redirects") == "0");
  CHECK(f.value("net/ipv4/conf/eth0/forwarding") == "1");
  Boot same("net.ipv4.ip_forward = 0\n", Semantics::procps);
  CHECK(same.value("net/ipv4/conf/all/accept_redirects") == "(kernel's)");
  Boot d("net.ipv4.conf.default.rp_filter = 2\n", Semantics::procps);
  CHECK(d.value("net/ipv4/conf/eth0/rp_filter") == "2");
  CHECK(d.value("net/ipv4/conf/lo/rp_filter") == "2");
  // The flushing entries (ipv4_doint_and_flush) never copy conf.default to an interface.
  Boot flush("net.ipv4.conf.default.disable_policy = 1\nnet.ipv4.conf.default.route_localnet = 1\n",
             Semantics::procps);
  CHECK(flush.value("net/ipv4/conf/default/disable_policy") == "1");
  CHECK(flush.value("net/ipv4/conf/eth0/disable_policy") == "(kernel's)");
  CHECK(flush.value("net/ipv4/conf/eth0/route_localnet") == "(kernel's)");
}

TEST_CASE("procps: a glob leaves out a key another line names as it is spelled") {
  // settinglist_findpath compares the key with its separators swapped, not the resolved path.
  struct Case {
    const char* spelled;
    const char* eth0;  // what eth0's hop_limit ends at after the glob's 64
  };
  for (const Case& c :
       {Case{"net.ipv6.conf.eth0.hop_limit", "71"}, Case{"net/ipv6/conf/eth0/hop_limit", "71"},
        Case{"/net/ipv6/conf/eth0/hop_limit", "64"}, Case{"net..ipv6.conf.eth0.hop_limit", "64"}}) {
    CAPTURE(c.spelled);
    Boot b(std::string(c.spelled) + " = 71\nnet.ipv6.conf.*.hop_limit = 64\n", Semantics::procps);
    CHECK(b.value("net/ipv6/conf/eth0/hop_limit") == c.eth0);
    CHECK(b.value("net/ipv6/conf/lo/hop_limit") == "64");
  }
}

TEST_CASE("a refused write to an IPv4 interface key still stops conf.default's copies") {
  // devinet_conf_proc sets the key's bit before it looks at proc_dointvec's answer.
  Boot b("net.ipv4.conf.eth0.rp_filter =\nnet.ipv4.conf.default.rp_filter = 2\n",
         Semantics::systemd);
  CHECK(b.value("net/ipv4/conf/eth0/rp_filter") == "(kernel's)");
  CHECK(b.value("net/ipv4/conf/lo/rp_filter") == "2");
}

TEST_CASE("the kernel's own copies: IPv6 conf.all to conf.default and every interface") {
  // addrconf's handlers for forwarding, disable_ipv6, ignore_routes_with_linkdown,
  // addr_gen_mode and force_forwarding (measured on 6.18); a later line still wins.
  Boot all(
      "net.ipv6.conf.all.disable_ipv6 = 1\nnet.ipv6.conf.all.ignore_routes_with_linkdown = 1\n"
      "net.ipv6.conf.all.addr_gen_mode = 1\nnet.ipv6.conf.lo.disable_ipv6 = 0\n",
      Semantics::systemd);
  for (const char* name : {"disable_ipv6", "ignore_routes_with_linkdown", "addr_gen_mode"}) {
    CAPTURE(name);
    CHECK(all.value(std::string("net/ipv6/conf/default/") + name) == "1");
    CHECK(all.value(std::string("net/ipv6/conf/eth0/") + name) == "1");
  }
  CHECK(all.value("net/ipv6/conf/lo/disable_ipv6") == "0");
  // Not every key: conf.all.hop_limit is a value of its own.
  Boot hop("net.ipv6.conf.all.hop_limit = 70\n", Semantics::systemd);
  CHECK(hop.value("net/ipv6/conf/eth0/hop_limit") == "(kernel's)");
}

TEST_CASE("a key set many times keeps its first 100 shadowed writes and counts them all") {
  std::string content;
  for (int i = 0; i < 150; ++i)
    content += "net.ipv4.tcp_fin_timeout = " + std::to_string(30 + i % 2) + "\n";
  for (Semantics s : {Semantics::systemd, Semantics::procps}) {
    CAPTURE(to_string(s));
    Boot b(content, s);
    const BootKey& k = b.model.keys.at("net/ipv4/tcp_fin_timeout");
    CHECK(b.value("net/ipv4/tcp_fin_timeout") == "31");
    REQUIRE(k.winner);
    CHECK(k.winner->line == 150);
    CHECK(k.shadowed_total == 149);
    REQUIRE(k.shadowed.size() == k_max_boot_history);
    CHECK(k.shadowed.front().line == 1);
    CHECK(k.shadowed.back().line == 100);
  }
}

TEST_CASE("BootDetail::values: the same values and refusals of values, no notes") {
  // A key this kernel lacks (said, not counted), a value the kernel refuses (counted), a
  // read-only key, a key written, a glob, and a line that is not an assignment.
  const std::string content =
      "net.ipv4.no_such_key = 1\nnet.ipv4.tcp_fin_timeout = 1210;x\n"
      "net.ipv4.conf.all.mc_forwarding = 1\nnet.ipv4.tcp_keepalive_probes = 12\n"
      "net.ipv6.conf.*.hop_limit = 70\nnot an assignment\n";
  for (Semantics s : {Semantics::systemd, Semantics::procps}) {
    CAPTURE(to_string(s));
    Boot full(content, s, BootDetail::full);
    Boot values(content, s, BootDetail::values);
    CHECK_FALSE(full.model.notes.empty());
    CHECK(values.model.notes.empty());
    CHECK(values.model.exit_status == full.model.exit_status);
    CHECK(full.model.exit_status == 1);
    CHECK(full.model.keys.count("net/ipv4/no_such_key") == 1);
    CHECK(values.model.keys.count("net/ipv4/no_such_key") == 0);
    CHECK(values.model.keys.at("net/ipv4/conf/all/mc_forwarding").refused.empty());
    CHECK(full.model.keys.at("net/ipv4/conf/all/mc_forwarding").refused.size() == 1);
    for (const auto& [path, k] : values.model.keys) {
      CAPTURE(path);
      const BootKey& f = full.model.keys.at(path);
      CHECK(k.value == f.value);
      CHECK(k.before == f.before);
      CHECK(k.propagated_from == f.propagated_from);
      CHECK(k.winner.has_value() == f.winner.has_value());
      CHECK(k.shadowed_total == f.shadowed_total);
      if (path != "net/ipv4/conf/all/mc_forwarding") CHECK(k.refused.size() == f.refused.size());
    }
    const BootKey& fin = values.model.keys.at("net/ipv4/tcp_fin_timeout");
    REQUIRE(fin.refused.size() == 1);
    CHECK(fin.refused.front().reason.rfind("EINVAL", 0) == 0);
    CHECK(values.value("net/ipv4/tcp_keepalive_probes") == "12");
    CHECK(values.value("net/ipv6/conf/eth0/hop_limit") == "70");
  }
}

TEST_CASE("lines as each program splits them: CR, CR LF and NUL") {
  // systemd ends a line at CR, CR LF and NUL; procps at LF only, its text cut at a NUL.
  using namespace std::string_literals;
  const std::string content =
      "net.ipv4.tcp_fin_timeout = 31\rnet.ipv4.tcp_keepalive_probes = 11\r\n"
      "net.ipv4.ip_forward = 1\0net.ipv4.ipfrag_low_thresh = 446464\n"
      "net.ipv4.ip_unprivileged_port_start = 900"s;
  Boot sd(content, Semantics::systemd);
  CHECK(sd.value("net/ipv4/tcp_fin_timeout") == "31");
  CHECK(sd.model.keys.at("net/ipv4/tcp_keepalive_probes").winner->line == 2);
  CHECK(sd.value("net/ipv4/ip_forward") == "1");
  CHECK(sd.model.keys.at("net/ipv4/ipfrag_low_thresh").winner->line == 4);
  CHECK(sd.model.keys.at("net/ipv4/ip_unprivileged_port_start").winner->line == 5);
  Boot pp(content, Semantics::procps);
  // procps: "31\rnet.ipv4.tcp_keepalive_probes = 11" is one value, which the kernel refuses
  // (a CR is not a separator for proc_dointvec); the NUL ends the third line's text.
  CHECK(pp.value("net/ipv4/tcp_fin_timeout") == "(kernel's)");
  REQUIRE(pp.model.keys.at("net/ipv4/tcp_fin_timeout").refused.size() == 1);
  CHECK(pp.model.keys.at("net/ipv4/tcp_fin_timeout").refused.front().line == 1);
  CHECK(pp.model.keys.count("net/ipv4/tcp_keepalive_probes") == 0);
  CHECK(pp.value("net/ipv4/ip_forward") == "1");
  CHECK(pp.model.keys.count("net/ipv4/ipfrag_low_thresh") == 0);
  CHECK(pp.model.keys.at("net/ipv4/ip_unprivileged_port_start").winner->line == 3);
}
