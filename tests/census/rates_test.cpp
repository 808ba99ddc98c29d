// Rates between two snapshots (census/rates.hpp): new connections and closes by identity, the
// classification of a connection whose listener is gone, and the counters' reconciliation.

#include "census/rates.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "census/aggregate.hpp"
#include "census/socket_record.hpp"
#include "census/tcp_states.hpp"

using namespace tcptune;
using test::k_close_wait;
using test::k_est;
using test::k_listen;
using test::k_syn_recv;
using test::k_tw;

namespace {

SocketRecord conn(std::uint64_t cookie, std::uint8_t state, std::uint16_t lport,
                  std::uint16_t rport, std::uint8_t remote_last = 1) {
  SocketRecord r;
  r.family = 2;
  r.v4 = true;
  r.state = state;
  r.local = {127, 0, 0, 1};
  r.remote = {127, 0, 0, remote_last};
  r.local_port = lport;
  r.remote_port = rport;
  r.cookie = cookie;
  return r;
}

GroupKey dest_to(std::uint16_t rport) {
  GroupKey g;
  g.dest.v4 = true;
  g.dest.local = {127, 0, 0, 1};
  g.dest.remote = {127, 0, 0, 1};
  g.dest.remote_port = rport;
  return g;
}

}  // namespace

TEST_CASE("rates: new connections and closes by cookie, per destination") {
  RateTracker t;
  CensusAggregator a;
  a.set_tracker(&t);
  a.add(conn(10, k_est, 40000, 3306));  // stays open
  a.add(conn(11, k_est, 40001, 3306));  // closes (TIME_WAIT, same cookie)
  a.add(conn(12, k_est, 40002, 3306));  // closes and is gone
  a.add(conn(13, k_tw, 40003, 3306));   // old TIME_WAIT that expires: not a close
  a.add(conn(14, k_tw, 40004, 3306));   // old TIME_WAIT still there
  t.end_baseline();
  CensusAggregator b;
  b.set_tracker(&t);
  b.add(conn(10, k_est, 40000, 3306));
  b.add(conn(11, k_tw, 40001, 3306));
  b.add(conn(14, k_tw, 40004, 3306));
  b.add(conn(20, k_est, 40005, 3306));  // new, open
  b.add(conn(21, k_tw, 40006, 3306));   // new and closed within the window
  b.add(conn(22, k_tw, 40002, 3306));   // new on a reused port (same 4-tuple as 12)
  t.end_compare();
  const GroupCounts& c = t.counts(t.groups().at(dest_to(3306)));
  CHECK(c.connects == 3);
  CHECK(c.closes == 4);  // 11, 12 (gone), 21, 22
  CHECK(c.before == 5);
  CHECK(c.after == 6);
}

TEST_CASE("rates: a vanished SYN_RECV is not a close; a server port group is kept apart") {
  RateTracker t;
  CensusAggregator a;
  a.set_tracker(&t);
  a.add(conn(0, k_listen, 9000, 0));
  a.add(conn(30, k_syn_recv, 9000, 40000));
  a.add(conn(31, k_est, 9000, 40001));
  t.end_baseline();
  CensusAggregator b;
  b.add_listening_ports(a.listening_ports());
  b.set_tracker(&t);
  b.add(conn(32, k_close_wait, 9000, 40002));
  t.end_compare();
  GroupKey g;
  g.side = GroupSide::server;
  g.dest.remote_port = 9000;
  const GroupCounts& c = t.counts(t.groups().at(g));
  CHECK(c.connects == 1);
  CHECK(c.closes == 2);  // 31 gone, 32 new and closing; 30 (SYN_RECV) is neither
}

TEST_CASE("classification: a stopped server's TIME_WAIT stays server-side") {
  CensusAggregator a;
  a.set_port_range(32768, 60999, {});
  // No listener on 9000 any more: local 9000 is outside the range, the peer's port inside.
  a.add(conn(1, k_tw, 9000, 45000));
  a.add(conn(2, k_tw, 45001, 9000));  // the client's end of another connection
  CHECK(a.server_time_wait() == 1);
  CHECK(a.client_time_wait() == 1);
  REQUIRE(a.destinations().size() == 1);
  CHECK(a.destinations()[0].key.remote_port == 9000);
  // A listener seen in an earlier snapshot keeps its port server-side even inside the range.
  std::bitset<65536> earlier;
  earlier.set(40000);
  CensusAggregator b;
  b.add_listening_ports(earlier);
  b.add(conn(3, k_tw, 40000, 50000));
  CHECK(b.server_time_wait() == 1);
  // Reserved ports are not ephemeral.
  CensusAggregator c;
  c.set_port_range(32768, 60999, {{40000, 40000}});
  c.add(conn(4, k_tw, 40000, 50000));
  CHECK(c.server_time_wait() == 1);
}

TEST_CASE("tuple identity: stable for a 4-tuple, different for another") {
  SocketRecord x = conn(0, k_est, 40000, 80);
  SocketRecord y = conn(0, k_tw, 40000, 80);
  SocketRecord z = conn(0, k_est, 40001, 80);
  CHECK(tuple_identity(x) == tuple_identity(y));
  CHECK(tuple_identity(x) != tuple_identity(z));
}

TEST_CASE("aggregator: thousands of groups, then a reset that reuses the tables") {
  CensusAggregator a;
  RateTracker t;
  a.set_tracker(&t);
  // 3000 client-side destinations (remote 127.0.x.y:9000-9002) with 1-3 sockets each, and
  // server-side connections on 200 local ports below the ephemeral range.
  std::uint64_t cookie = 1;
  for (int round = 0; round < 2; ++round) {
    for (int d = 0; d < 3000; ++d) {
      if (round == 1 && d % 3 != 0) continue;
      const std::uint64_t c = cookie++;
      SocketRecord r = conn(c, k_tw, static_cast<std::uint16_t>(40000 + (c % 20000)),
                            static_cast<std::uint16_t>(9000 + d % 3));
      r.remote = {127, 0, static_cast<std::uint8_t>(d / 250), static_cast<std::uint8_t>(d % 250)};
      a.add(r);
    }
  }
  for (int p = 0; p < 200; ++p) {
    a.add(conn(cookie++, k_est, static_cast<std::uint16_t>(1000 + p), 50000, 1));
    a.add(conn(cookie++, k_est, static_cast<std::uint16_t>(1000 + p), 50001, 2));
  }
  auto dests = a.destinations();
  REQUIRE(dests.size() == 3000);
  CHECK(dests[0].sockets == 2);
  CHECK(dests[999].sockets == 2);
  CHECK(dests[1000].sockets == 1);
  std::uint64_t sum = 0;
  for (const Destination& d : dests) sum += d.sockets;
  CHECK(sum == 4000);
  auto ports = a.server_ports();
  REQUIRE(ports.size() == 200);
  CHECK(ports[0].port == 1000);
  CHECK(ports[199].port == 1199);
  CHECK(ports[7].states[k_est] == 2);
  CHECK(ports[7].loopback == 2);
  CHECK(a.server_connections() == 400);
  CHECK(t.groups().size() == 3200);
  CHECK(t.counts(t.group(dest_to(9001))).before == 1);  // d = 1: 127.0.0.1:9001, one socket

  // A reset forgets the sockets; the same groups come back with fresh counts.
  a.reset();
  CHECK(a.destinations().empty());
  CHECK(a.server_ports().empty());
  SocketRecord r = conn(cookie++, k_est, 45000, 9001);
  r.remote = {127, 0, 0, 1};
  a.add(r);
  a.add(conn(cookie++, k_est, 1005, 50000));
  REQUIRE(a.destinations().size() == 1);
  CHECK(a.destinations()[0].key.remote_port == 9001);
  CHECK(a.destinations()[0].sockets == 1);
  REQUIRE(a.server_ports().size() == 1);
  CHECK(a.server_ports()[0].port == 1005);
  CHECK(a.server_ports()[0].states[k_est] == 1);
  a.set_tracker(nullptr);
}

// The second snapshot finds the first one's sockets by cookie, looking after the last one found
// before searching (census/rates.cpp): the counts must not depend on the order the sockets come
// in. A reference counts the same sockets with a std::map, for orders from sorted to shuffled,
// with sockets gone, new ones (cookies above and between the old ones) and reused tuples.
TEST_CASE("rates: counts do not depend on the order of either snapshot") {
  std::mt19937_64 rng(20261207);
  for (int round = 0; round < 40; ++round) {
    const int n = 200 + static_cast<int>(rng() % 3000);
    const int shuffle_mode = round % 4;  // 0 sorted, 1 a few swaps, 2 shuffled, 3 reversed
    std::vector<std::pair<std::uint64_t, std::uint8_t>> first;
    std::uint64_t cookie = 1000;
    for (int i = 0; i < n; ++i) {
      cookie += 2 + rng() % 3;  // gaps: cookies of sockets other tools met
      first.emplace_back(cookie, rng() % 3 == 0 ? k_tw : k_est);
    }
    auto arrange = [&](auto& v) {
      if (shuffle_mode == 1) {
        for (std::size_t k = 0; k < v.size() / 20; ++k)
          std::swap(v[rng() % v.size()], v[rng() % v.size()]);
      } else if (shuffle_mode == 2) {
        std::shuffle(v.begin(), v.end(), rng);
      } else if (shuffle_mode == 3) {
        std::reverse(v.begin(), v.end());
      }
    };
    arrange(first);
    std::vector<std::pair<std::uint64_t, std::uint8_t>> second;
    std::uint64_t next_new = cookie + 1;
    for (const auto& [c, st] : first) {
      const auto roll = rng() % 10;
      if (roll == 0) continue;                           // gone
      second.emplace_back(c, roll == 1 ? k_tw : st);     // stays, or closes
      if (roll == 2) second.emplace_back(c - 1, k_est);  // new, between old cookies
      if (roll == 3) second.emplace_back(next_new += 1 + rng() % 1000, k_tw);  // new
    }
    arrange(second);

    RateTracker t;
    std::uint32_t g = t.group(dest_to(3306));
    for (const auto& [c, st] : first) t.observe_group(c, g, st);
    t.end_baseline();
    for (const auto& [c, st] : second) t.observe_group(c, g, st);
    t.end_compare();

    std::map<std::uint64_t, std::uint8_t> base(first.begin(), first.end());
    std::set<std::uint64_t> seen;
    std::uint64_t connects = 0;
    std::uint64_t closes = 0;
    auto open = [](std::uint8_t st) { return st == k_est; };
    for (const auto& [c, st] : second) {
      auto it = base.find(c);
      if (it != base.end()) {
        seen.insert(c);
        if (open(it->second) && !open(st)) ++closes;
      } else {
        ++connects;
        if (!open(st)) ++closes;
      }
    }
    for (const auto& [c, st] : base) {
      if (seen.count(c) == 0 && open(st)) ++closes;
    }
    const GroupCounts& got = t.counts(g);
    CAPTURE(round);
    CHECK(got.before == first.size());
    CHECK(got.after == second.size());
    CHECK(got.connects == connects);
    CHECK(got.closes == closes);
  }
}
