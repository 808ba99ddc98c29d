#include "core/catalog.hpp"

#include <doctest/doctest.h>

#include "config/catalog_loader.hpp"
#include "core/text_util.hpp"
#include "test_support.hpp"

using namespace tcptune;

namespace {

KernelVersion v(int major, int minor) { return KernelVersion{major, minor, 0}; }

const char* const k_generated =
    "# comment\n"
    "#! source 6.1\n"
    "kernel/printk\tint\t-\t-\t4\t-\t6.1,6.18\n"
    "kernel/sched_cfs_bandwidth_slice_us\tuint\t1\t-\t1\te\t6.1,6.18\n"
    "net/ipv4/conf/<if>/rp_filter\tint\t0\t2\t1\ten\t6.1,6.18\n"
    "net/ipv6/conf/<if>/accept_redirects\tint\t-\t-\t1\tn\t6.1,6.18\n"
    "net/ipv6/neigh/<if>/gc_thresh3\tint\t-\t-\t1\tn\t6.1,6.18\n"
    "net/mptcp/scheduler\tstring\t-\t-\t1\tn\t6.18\n"
    "net/ipv4/tcp_mem\tulong\t-\t-\t3\tg\t6.1,6.18\n"
    "vm/overcommit_memory\tint\t0\t2\t1\te\t6.1,6.18\tpages\n";

Catalog generated() {
  Catalog c;
  std::vector<Finding> errors = load_generated_catalog(k_generated, "kernel_keys.tsv", c);
  REQUIRE(errors.empty());
  return c;
}

}  // namespace

TEST_CASE("netns scope: the catalog's words round-trip") {
  for (NetnsScope s : {NetnsScope::per_namespace, NetnsScope::host_wide, NetnsScope::read_only,
                       NetnsScope::not_net})
    CHECK(parse_netns_scope(to_string(s)) == s);
  CHECK(to_string(NetnsScope::per_namespace) == "yes");
  CHECK(to_string(NetnsScope::not_net) == "n/a");
  CHECK_FALSE(parse_netns_scope("Yes"));
  CHECK_FALSE(parse_netns_scope(""));
}

TEST_CASE("generated catalog: exact keys and patterns") {
  Catalog c = generated();
  REQUIRE(c.find("kernel/printk") != nullptr);
  CHECK(c.find("kernel/printk")->type == KeyType::vector);
  CHECK(c.find("kernel/printk")->partial_vector);
  CHECK(c.find("net/ipv4/tcp_mem")->element == KeyType::ulong_);
  CHECK(c.find("net/ipv4/tcp_mem")->netns == NetnsScope::host_wide);
  CHECK(c.find("vm/overcommit_memory")->unit == "pages");
  CHECK(c.find("vm/overcommit_memory")->netns == NetnsScope::not_net);
  // Any interface name, all and default, VLAN names with dots.
  for (const char* p : {"net/ipv4/conf/eth0/rp_filter", "net/ipv4/conf/all/rp_filter",
                        "net/ipv4/conf/default/rp_filter", "net/ipv4/conf/eth0.100/rp_filter"}) {
    const KeyInfo* k = c.find(p);
    REQUIRE_MESSAGE(k != nullptr, p);
    CHECK(k->pattern);
    CHECK(k->name == "net.ipv4.conf.<if>.rp_filter");
    CHECK(k->enforced);
    CHECK(k->max == 2);
  }
  CHECK(c.find("net/ipv6/conf/default/accept_redirects") != nullptr);
  CHECK(c.find("net/ipv6/neigh/default/gc_thresh3") != nullptr);
  CHECK(c.find("net/ipv4/conf/eth0/no_such_key") == nullptr);
  CHECK(c.find("net/ipv4/conf/rp_filter") == nullptr);  // no interface segment
  CHECK(c.find("net/ipv4/conf/eth0") == nullptr);
  CHECK(c.find("net/ipv7/conf/eth0/rp_filter") == nullptr);
}

TEST_CASE("curated entries are merged over generated ones") {
  Catalog c = generated();
  KeyInfo k;
  k.name = "kernel.printk";
  k.path = "kernel/printk";
  k.type = KeyType::vector;
  k.count = 4;
  k.summary = "curated";
  c.add(k);
  const KeyInfo* got = c.find("kernel/printk");
  REQUIRE(got != nullptr);
  CHECK_FALSE(got->generated);
  CHECK(got->summary == "curated");
  REQUIRE(got->seen.size() == 2);  // the observations stay
  CHECK(got->seen.back() == v(6, 18));
}

TEST_CASE("offline version answers") {
  Catalog c = generated();
  const KeyInfo* printk = c.find("kernel/printk");
  CHECK(c.presence(*printk, v(6, 1)).state == Presence::exists);
  CHECK(c.presence(*printk, KernelVersion{6, 1, 55}).state == Presence::exists);
  CHECK(c.presence(*printk, v(6, 20)).state == Presence::exists);
  // Before the first scanned source: unknown, never "does not exist".
  PresenceAnswer old = c.presence(*printk, v(5, 10));
  CHECK(old.state == Presence::unknown);
  CHECK(old.seen_in == v(6, 1));

  // Seen live in 6.18 only, absent from the fully scanned 6.1 source.
  const KeyInfo* sched = c.find("net/mptcp/scheduler");
  PresenceAnswer a = c.presence(*sched, v(6, 1));
  CHECK(a.state == Presence::added);
  CHECK(a.after);
  CHECK(a.version == v(6, 1));
  CHECK(c.presence(*sched, v(5, 4)).state == Presence::added);
  CHECK(c.presence(*sched, v(6, 5)).state == Presence::unknown);  // somewhere in 6.2..6.18
  CHECK(c.presence(*sched, v(6, 18)).state == Presence::exists);

  // Curated added/removed win; a curated key without them is old enough.
  KeyInfo moved;
  moved.name = "kernel.sched_latency_ns";
  moved.path = "kernel/sched_latency_ns";
  moved.removed = v(5, 13);
  moved.moved = "debugfs";
  c.add(moved);
  const KeyInfo* m = c.find("kernel/sched_latency_ns");
  CHECK(c.presence(*m, v(6, 1)).state == Presence::removed);
  CHECK(c.presence(*m, v(6, 1)).version == v(5, 13));
  CHECK(c.presence(*m, v(5, 13)).state == Presence::removed);
  CHECK(c.presence(*m, v(5, 12)).state == Presence::exists);
  KeyInfo added;
  added.name = "net.ipv4.tcp_tw_reuse_delay";
  added.path = "net/ipv4/tcp_tw_reuse_delay";
  added.added = v(6, 14);
  c.add(added);
  const KeyInfo* d = c.find("net/ipv4/tcp_tw_reuse_delay");
  CHECK(c.presence(*d, v(6, 13)).state == Presence::added);
  CHECK(c.presence(*d, v(6, 14)).state == Presence::exists);
}

TEST_CASE("did you mean: only bounded candidates, keeping the interface name") {
  Catalog c = generated();
  CHECK(c.suggest("kernel.sched_cfs_bandwidth_slice_u") == "kernel.sched_cfs_bandwidth_slice_us");
  CHECK(c.suggest("net.ipv6.conf.eth0.accept_redirect") == "net.ipv6.conf.eth0.accept_redirects");
  CHECK(c.suggest("net.ipv4.conf.eth0/100.rp_filtr") == "net.ipv4.conf.eth0/100.rp_filter");
  CHECK(c.suggest("kernel.prinkt") == "kernel.printk");
  // Another family's key, the interface name kept.
  CHECK(c.suggest("net.ipv4.conf.eth0.accept_redirects") == "net.ipv6.conf.eth0.accept_redirects");
  CHECK(c.suggest("net.ipv4.conff.lo.rp_filter") == "net.ipv4.conf.lo.rp_filter");
  // Another first component is never a candidate; far names get nothing.
  CHECK(c.suggest("vm.printk") == "");
  CHECK(c.suggest("kernel.completely_different") == "");
}

TEST_CASE("generated catalog: malformed lines are findings with file:line") {
  Catalog c;
  std::vector<Finding> errors = load_generated_catalog(
      "kernel/a\tint\t-\t-\t1\t-\t6.1\n"
      "kernel/b\tinteger\t-\t-\t1\t-\t6.1\n"
      "kernel/c\tint\t-\t-\t0\t-\t6.1\n"
      "kernel/d\tint\tx\t-\t1\t-\t6.1\n"
      "kernel/e\tint\t-\t-\t1\t-\tsix\n"
      "../etc/passwd\tint\t-\t-\t1\t-\t6.1\n"
      "kernel/f\tint\n",
      "k.tsv", c);
  REQUIRE(errors.size() == 6);
  CHECK(errors[0].line == 2);
  CHECK(errors[0].message == "unknown type 'integer'");
  CHECK(errors[5].line == 7);
  CHECK(errors[5].file == "k.tsv");
  CHECK(c.find("kernel/a") != nullptr);
  CHECK(c.all().size() == 1);
}

TEST_CASE("the shipped generated catalog loads, and keys.toml merges over it") {
  Catalog c;
  std::vector<Finding> errors = load_generated_catalog(
      tcptune::test::data_file("rules/kernel_keys.tsv"), "rules/kernel_keys.tsv", c);
  append(errors,
         load_key_catalog(tcptune::test::data_file("rules/keys.toml"), "rules/keys.toml", c));
  CHECK(errors.empty());
  CHECK(c.all().size() > 900);
  CHECK(c.find("net/ipv6/conf/default/accept_redirects") != nullptr);
  CHECK(c.find("net/ipv6/neigh/default/gc_thresh3") != nullptr);
  CHECK(c.find("net/ipv6/icmp/echo_ignore_all") != nullptr);
  const KeyInfo* reuse = c.find("net/ipv4/tcp_tw_reuse");
  REQUIRE(reuse != nullptr);
  CHECK_FALSE(reuse->generated);
  CHECK_FALSE(reuse->seen.empty());
  REQUIRE(c.find("kernel/sched_latency_ns") != nullptr);
  CHECK(c.presence(*c.find("kernel/sched_latency_ns"), v(6, 1)).state == Presence::removed);
  CHECK(c.suggest("kernel.sched_cfs_bandwidth_slice_u") == "kernel.sched_cfs_bandwidth_slice_us");
}

TEST_CASE("bounded edit distance") {
  CHECK(edit_distance_within("abc", "abc", 2) == 0);
  CHECK(edit_distance_within("abc", "acb", 2) == 1);  // transposition
  CHECK(edit_distance_within("kitten", "sitting", 3) == 3);
  CHECK(edit_distance_within("kitten", "sitting", 1) > 1);
  CHECK(edit_distance_within("a", "abcdef", 2) > 2);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(suggestion_distance(5) == 1);
  CHECK(suggestion_distance(29) == 2);
  CHECK(suggestion_distance(30) == 3);
}
