// Owners of socket groups (census/owner_sample.hpp): bounded sampling, the holders of a group,
// CLOSE_WAIT holders, and TIME_WAIT attributed (inferred) to the window's connections or to the
// holders of established connections to the same destination.

#include "census/owner_sample.hpp"

#include <doctest/doctest.h>

#include "census/aggregate.hpp"
#include "census/tcp_states.hpp"
#include "core/owner.hpp"

using namespace tcptune;
using test::k_close_wait;
using test::k_est;
using test::k_listen;
using test::k_tw;

namespace {

SocketRecord rec(std::uint64_t cookie, std::uint8_t state, std::uint16_t lport, std::uint16_t rport,
                 std::uint32_t inode, std::uint8_t local_last = 1) {
  SocketRecord r;
  r.family = 2;
  r.v4 = true;
  r.state = state;
  r.local = {127, 0, 0, local_last};
  r.remote = {127, 0, 0, 9};
  r.local_port = lport;
  r.remote_port = rport;
  r.cookie = cookie;
  r.inode = inode;
  return r;
}

void feed(CensusAggregator& agg, OwnerSampler& s, const SocketRecord& r,
          const OwnerSampler* earlier = nullptr) {
  agg.add(r);
  s.observe(r, group_of(agg, r), earlier);
}

SocketOwner proc(int pid, const char* comm, const char* unit = "") {
  SocketOwner o;
  o.pid = pid;
  o.comm = comm;
  o.cgroup.unit = unit;
  return o;
}

GroupKey dest_key(std::uint8_t local_last = 1) {
  GroupKey g;
  g.dest.v4 = true;
  g.dest.local = {127, 0, 0, local_last};
  g.dest.remote = {127, 0, 0, 9};
  g.dest.remote_port = 3306;
  return g;
}

}  // namespace

TEST_CASE("samples are bounded per group and state; TIME_WAIT has no inode to sample") {
  CensusAggregator agg;
  OwnerSampler s;
  for (std::uint32_t i = 0; i < 100; ++i)
    feed(agg, s, rec(i + 1, k_est, static_cast<std::uint16_t>(40000 + i), 3306, 500 + i));
  for (std::uint32_t i = 0; i < 100; ++i)
    feed(agg, s, rec(1000 + i, k_tw, static_cast<std::uint16_t>(41000 + i), 3306, 0));
  const auto* v = s.samples(dest_key());
  REQUIRE(v != nullptr);
  CHECK(v->size() == k_owner_samples);
  CHECK(s.groups() == 1);
}

TEST_CASE("holders, CLOSE_WAIT holders and the listener of a server port") {
  CensusAggregator agg;
  OwnerSampler s;
  feed(agg, s, rec(1, k_listen, 8080, 0, 10));
  feed(agg, s, rec(2, k_close_wait, 8080, 50000, 11));
  feed(agg, s, rec(3, k_close_wait, 8080, 50001, 12));
  feed(agg, s, rec(4, k_tw, 8080, 50002, 0));
  GroupKey port;
  port.side = GroupSide::server;
  port.dest.remote_port = 8080;
  std::vector<GroupKey> groups = select_owner_groups(agg, 10);
  REQUIRE(std::find(groups.begin(), groups.end(), port) != groups.end());
  InodeOwners found;
  found.holders = {{10, {42}}, {11, {42}}, {12, {42}}};
  found.processes = {{42, proc(42, "python3", "myapp.service")}};
  GroupOwners o = attribute_owners(groups, s, found, nullptr, nullptr);
  REQUIRE(o.count(port) == 1);
  REQUIRE(o[port].close_wait.size() == 1);
  CHECK(o[port].close_wait[0].sockets == 2);
  CHECK_FALSE(o[port].close_wait[0].inferred());
  REQUIRE(o[port].time_wait.size() == 1);
  CHECK(o[port].time_wait[0].basis == OwnerBasis::listener);
  CHECK(owners_clause(o[port].close_wait) == ", owned by python3 (pid 42, myapp.service)");
}

TEST_CASE("TIME_WAIT: the processes whose connections closed in the window, inferred") {
  CensusAggregator a0, a1;
  OwnerSampler s0, s1;
  // First snapshot: pid 7 holds two connections, pid 8 one that stays open.
  feed(a0, s0, rec(1, k_est, 40001, 3306, 101));
  feed(a0, s0, rec(2, k_est, 40002, 3306, 102));
  feed(a0, s0, rec(3, k_est, 40003, 3306, 103));
  // Second: 1 and 2 are TIME_WAIT (closed in the window), 3 still open.
  feed(a1, s1, rec(1, k_tw, 40001, 3306, 0), &s0);
  feed(a1, s1, rec(2, k_tw, 40002, 3306, 0), &s0);
  feed(a1, s1, rec(3, k_est, 40003, 3306, 103), &s0);
  s0.mark_closed_against(s1);
  InodeOwners f0;
  f0.holders = {{101, {7}}, {102, {7}}, {103, {8}}};
  f0.processes = {{7, proc(7, "curl")}, {8, proc(8, "pooler")}};
  InodeOwners f1;
  f1.holders = {{103, {8}}};
  f1.processes = {{8, proc(8, "pooler")}};
  std::vector<GroupKey> groups = select_owner_groups(a1, 10);
  GroupOwners o = attribute_owners(groups, s1, f1, &s0, &f0);
  const OwnersOfGroup& g = o.at(dest_key());
  REQUIRE(g.holders.size() == 1);
  CHECK(g.holders[0].pid == 8);
  REQUIRE(g.time_wait.size() == 1);
  CHECK(g.time_wait[0].pid == 7);
  CHECK(g.time_wait[0].basis == OwnerBasis::window);
  CHECK(owners_clause(g.time_wait).find("likely opened by curl (pid 7) (inferred") == 2);
}

TEST_CASE("TIME_WAIT without window owners: established connections to the same destination") {
  CensusAggregator agg;
  OwnerSampler s;
  feed(agg, s, rec(1, k_tw, 40001, 3306, 0, 1));     // from 127.0.0.1: TIME_WAIT only
  feed(agg, s, rec(2, k_est, 40002, 3306, 201, 2));  // from 127.0.0.2: held by pid 9
  std::vector<GroupKey> groups = select_owner_groups(agg, 10);
  InodeOwners f;
  f.holders = {{201, {9}}};
  f.processes = {{9, proc(9, "php-fpm", "php-fpm.service")}};
  GroupOwners o = attribute_owners(groups, s, f, nullptr, nullptr);
  const OwnersOfGroup& g = o.at(dest_key(1));
  CHECK(g.holders.empty());
  REQUIRE(g.time_wait.size() == 1);
  CHECK(g.time_wait[0].pid == 9);
  CHECK(g.time_wait[0].basis == OwnerBasis::established);
  CHECK(g.time_wait[0].inferred());
}

TEST_CASE("no owners found: no entry, no clause") {
  CensusAggregator agg;
  OwnerSampler s;
  feed(agg, s, rec(1, k_est, 40001, 3306, 301));
  GroupOwners o =
      attribute_owners(select_owner_groups(agg, 10), s, InodeOwners{}, nullptr, nullptr);
  CHECK(o.empty());
  CHECK(owners_clause({}).empty());
}

TEST_CASE("a socket no process was found for is named by its own cgroup, as a fact") {
  CensusAggregator agg;
  OwnerSampler s;
  SocketRecord cw = rec(2, k_close_wait, 8080, 50000, 11);
  cw.cgroup_id = 4242;
  SocketRecord cw2 = rec(3, k_close_wait, 8080, 50001, 12);
  cw2.cgroup_id = 4242;
  SocketRecord other = rec(5, k_close_wait, 8080, 50003, 13);
  other.cgroup_id = 99;  // its cgroup names nothing: no owner
  feed(agg, s, rec(1, k_listen, 8080, 0, 10));
  feed(agg, s, cw);
  feed(agg, s, cw2);
  feed(agg, s, other);
  GroupKey port = server_group(8080);
  InodeOwners found;  // the walk saw only the listener (the others: another user's process)
  found.holders = {{10, {42}}};
  found.processes = {{42, proc(42, "python3")}};
  found.cgroups[4242].unit = "myapp.service";
  GroupOwners o = attribute_owners({port}, s, found, nullptr, nullptr);
  REQUIRE(o.count(port) == 1);
  REQUIRE(o[port].close_wait.size() == 1);
  const SocketOwner& c = o[port].close_wait[0];
  CHECK(c.basis == OwnerBasis::cgroup);
  CHECK(c.pid == 0);
  CHECK(c.sockets == 2);
  CHECK_FALSE(c.inferred());
  CHECK(owners_clause(o[port].close_wait) == ", owned by myapp.service (the sockets' cgroup)");
  REQUIRE(o[port].holders.size() == 2);  // python3 (the listener), then the cgroup's 2
  CHECK(o[port].holders[0].basis == OwnerBasis::cgroup);
  CHECK(o[port].holders[1].pid == 42);
}
