#include "engine/netns_gaps.hpp"

#include <doctest/doctest.h>

#include "render/netns_render.hpp"

using namespace tcptune;

namespace {

Catalog catalog() {
  Catalog c;
  auto add = [&](const char* name, const char* path, const char* netns, const char* init) {
    KeyInfo k;
    k.name = name;
    k.path = path;
    k.netns = parse_netns_scope(netns);
    k.netns_init = init;
    c.add(k);
  };
  add("net.ipv4.tcp_tw_reuse", "net/ipv4/tcp_tw_reuse", "yes", "default");
  add("net.ipv4.tcp_rmem", "net/ipv4/tcp_rmem", "yes", "copy");
  add("net.core.rmem_max", "net/core/rmem_max", "no", "");
  return c;
}

std::map<std::string, PersistedValue> persisted() {
  std::map<std::string, PersistedValue> p;
  auto set = [&](const char* path, const char* value, int line) {
    PersistedValue v;
    v.value = value;
    v.at.file = "/etc/sysctl.d/60-net.conf";
    v.at.line = line;
    p[path] = v;
  };
  set("net/ipv4/tcp_tw_reuse", "1", 1);
  set("net/ipv4/tcp_rmem", "4096\t131072  6291456", 2);
  set("net/core/rmem_max", "16777216", 3);
  set("net/ipv4/not_in_catalog", "1", 4);
  return p;
}

}  // namespace

TEST_CASE("per_netns_persisted_keys: only per-namespace keys the catalog knows") {
  auto keys = per_netns_persisted_keys(catalog(), persisted());
  CHECK(keys == std::vector<std::string>{"net/ipv4/tcp_rmem", "net/ipv4/tcp_tw_reuse"});
}

TEST_CASE("netns_gaps: a different value is a gap, whitespace does not count") {
  auto gaps = netns_gaps(catalog(), persisted(),
                         {{"net/ipv4/tcp_tw_reuse", "2"},
                          {"net/ipv4/tcp_rmem", "4096 131072 6291456"},
                          {"net/core/rmem_max", "212992"}});
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].key == "net.ipv4.tcp_tw_reuse");
  CHECK(gaps[0].ns_value == "2");
  CHECK(gaps[0].host_value == "1");
  CHECK(gaps[0].file == "/etc/sysctl.d/60-net.conf");
  CHECK(gaps[0].line == 1);
  CHECK(gaps[0].netns_init == "default");
  // The copied key differs too when the namespace was made before sysctl.d ran.
  gaps = netns_gaps(catalog(), persisted(), {{"net/ipv4/tcp_rmem", "4096 87380 6291456"}});
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].netns_init == "copy");
  CHECK(gaps[0].host_value == "4096 131072 6291456");
  // Not read in the namespace: no gap.
  CHECK(netns_gaps(catalog(), persisted(), {}).empty());
}

TEST_CASE("netns_fix: ip netns exec, the runtime's --sysctl, the pod spec, nsenter") {
  NetnsGap g;
  g.key = "net.ipv4.tcp_tw_reuse";
  g.host_value = "1";
  NetnsSection s;
  s.name = "web1";
  s.path = "/run/netns/web1";
  s.named = true;
  CHECK(netns_fix(s, g) == "ip netns exec web1 sysctl -w net.ipv4.tcp_tw_reuse=1");
  s.named = false;
  s.path = "/proc/42/ns/net";
  s.owner.runtime = "docker";
  s.owner.container = "4f1c2e9a0b3d";
  CHECK(netns_fix(s, g) == "docker run --sysctl net.ipv4.tcp_tw_reuse=1 ...");
  s.owner.runtime = "podman";
  CHECK(netns_fix(s, g) == "podman run --sysctl net.ipv4.tcp_tw_reuse=1 ...");
  s.owner.runtime = "containerd";
  s.owner.pod_uid = "8f2c1c62-1f4e-4bd0-9b9c-0e3b5d2a7c11";
  CHECK(netns_fix(s, g).find("securityContext: {sysctls: [{name: net.ipv4.tcp_tw_reuse, "
                             "value: \"1\"}]}") != std::string::npos);
  s.owner = {};
  CHECK(netns_fix(s, g).find("nsenter --net=/proc/42/ns/net sysctl -w net.ipv4.tcp_tw_reuse=1") !=
        std::string::npos);
}

TEST_CASE("render_all_netns: sections, summary, gaps; a failed namespace is said") {
  AllNetnsReport r;
  r.command = "check";
  r.version = "0";
  NetnsSection init;
  init.name = "initial";
  init.path = "/proc/1/ns/net";
  init.id = "4:1";
  init.initial = true;
  init.out = "tcptune check: ...\n";
  init.summary = {{"total", "3"},    {"ESTABLISHED", "2"}, {"LISTEN", "1"}, {"errors", "0"},
                  {"warnings", "1"}, {"infos", "0"},       {"changes", "2"}};
  init.exit_code = 1;
  NetnsSection a;
  a.name = "tt-a";
  a.path = "/run/netns/tt-a";
  a.named = true;
  a.id = "4:2";
  a.out = "report of tt-a\n";
  a.summary = {{"total", "0"}};
  NetnsGap g;
  g.key = "net.ipv4.tcp_tw_reuse";
  g.host_value = "1";
  g.ns_value = "2";
  g.file = "/etc/sysctl.d/60-net.conf";
  g.line = 1;
  g.netns_init = "default";
  a.gaps.push_back(g);
  NetnsSection bad;
  bad.name = "pid 7 (x)";
  bad.path = "/proc/7/ns/net";
  bad.id = "4:3";
  bad.error = "/proc/7/ns/net: Operation not permitted";
  r.sections = {init, a, bad};
  r.exit_code = 3;
  const std::string t = render_all_netns(r, OutputFormat::text, Style(false));
  CHECK(t.find("tcptune check --all-netns: 3 network namespaces\n") == 0);
  CHECK(t.find("=== network namespace 2/3: tt-a (/run/netns/tt-a, id 4:2) ===\nreport of tt-a\n") !=
        std::string::npos);
  CHECK(t.find("not read: /proc/7/ns/net: Operation not permitted") != std::string::npos);
  CHECK(t.find("host tuning that does not reach these namespaces (1)") != std::string::npos);
  CHECK(t.find("tt-a: net.ipv4.tcp_tw_reuse = 2 here; the host's sysctl.d sets 1 "
               "(/etc/sysctl.d/60-net.conf:1)") != std::string::npos);
  CHECK(t.find("0/1/0") != std::string::npos);
  const std::string j = render_all_netns(r, OutputFormat::json, Style(false));
  CHECK(j.find("\"schema\": \"tcptune.netns/1\"") != std::string::npos);
  CHECK(j.find("\"status\": \"failed\"") != std::string::npos);
  CHECK(j.find("\"fix\": \"ip netns exec tt-a sysctl -w net.ipv4.tcp_tw_reuse=1\"") !=
        std::string::npos);
  CHECK(j.find("\"exit_code\": 3") != std::string::npos);
}
