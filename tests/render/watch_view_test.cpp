#include "render/watch_view.hpp"

#include <doctest/doctest.h>

#include "census/census.hpp"

using namespace tcptune;

namespace {

SocketRecord conn(std::uint8_t state, std::uint16_t lport, std::uint16_t rport, std::uint8_t r4) {
  SocketRecord r;
  r.family = 2;
  r.v4 = true;
  r.state = state;
  r.local = {10, 0, 0, 2};
  r.remote = {10, 0, 0, r4};
  r.local_port = lport;
  r.remote_port = rport;
  return r;
}

WatchGroup group(std::string label, std::uint64_t in_use, std::int64_t capacity) {
  WatchGroup g;
  g.label = std::move(label);
  g.in_use = in_use;
  g.capacity = capacity;
  return g;
}

}  // namespace

TEST_CASE("sparkline scales to the largest value; ASCII without UTF-8") {
  std::deque<double> h{0, 1, 2, 4, 8};
  CHECK(sparkline(h, 10, true) == " \u2581\u2582\u2584\u2588");
  CHECK(sparkline(h, 10, false) == " .:=%");
  CHECK(sparkline(h, 2, false) == "=%");  // the last two values only, scaled to them
  CHECK(sparkline({}, 10, true).empty());
  std::deque<double> zeros{0, 0};
  CHECK(sparkline(zeros, 10, false) == "  ");
}

TEST_CASE("bar: proportional, at least one cell for a non-zero value") {
  CHECK(bar(5, 10, 10) == "#####.....");
  CHECK(bar(10, 10, 4) == "####");
  CHECK(bar(1, 1000, 10) == "#.........");
  CHECK(bar(0, 10, 4) == "....");
  CHECK(bar(20, 10, 4) == "####");
  CHECK(bar(1, 0, 4).empty());
}

TEST_CASE("history keeps the last k_watch_history values") {
  std::deque<double> h;
  for (int i = 0; i < 200; ++i) push_history(h, i);
  CHECK(h.size() == k_watch_history);
  CHECK(h.front() == 200 - static_cast<double>(k_watch_history));
  CHECK(h.back() == 199);
}

TEST_CASE("sorting: sockets, headroom, growth; ties by label") {
  std::vector<WatchGroup> g{group("a", 10, 1000), group("b", 50, 100000), group("c", 10, 20)};
  g[2].growth_per_s = 3;
  sort_groups(g, WatchSort::sockets);
  CHECK(g[0].label == "b");
  CHECK(g[1].label == "a");
  sort_groups(g, WatchSort::headroom);
  CHECK(g[0].label == "c");
  sort_groups(g, WatchSort::rate);
  CHECK(g[0].label == "c");
}

TEST_CASE("update_watch_frame: rates and growth need a previous refresh") {
  CensusReport a;
  a.range.low = 32768;
  a.range.high = 32867;  // 100 ports
  a.range.known = true;
  for (std::uint16_t p = 0; p < 40; ++p) a.sockets.add(conn(1, std::uint16_t(32768 + p), 3306, 5));
  a.counters["Tcp.ActiveOpens"] = 1000;
  a.counters["TcpExt.TW"] = 500;
  WatchFrame f;
  WatchMemory mem;
  update_watch_frame(f, mem, a, 0, 10);
  CHECK(f.total == 40);
  CHECK(f.connects.empty());
  REQUIRE(f.destinations.size() == 1);
  CHECK_FALSE(f.destinations[0].growth_per_s.has_value());
  CHECK(f.destinations[0].label == "10.0.0.5:3306 from 10.0.0.2");
  CHECK(f.destinations[0].capacity == 100);

  CensusReport b = a;
  b.sockets.reset();
  for (std::uint16_t p = 0; p < 60; ++p) b.sockets.add(conn(1, std::uint16_t(32768 + p), 3306, 5));
  b.counters["Tcp.ActiveOpens"] = 1100;
  b.counters["TcpExt.TW"] = 550;
  b.counters["TcpExt.TCPTimeWaitOverflow"] = 10;
  update_watch_frame(f, mem, b, 2.0, 10);
  REQUIRE(f.connects.size() == 1);
  CHECK(f.connects.back() == doctest::Approx(50));
  CHECK(f.closes.back() == doctest::Approx(30));  // (50 TW + 10 overflow) / 2 s
  REQUIRE(f.destinations[0].growth_per_s.has_value());
  CHECK(*f.destinations[0].growth_per_s == doctest::Approx(10));
  REQUIRE(f.destinations[0].seconds_to_exhaustion.has_value());
  CHECK(*f.destinations[0].seconds_to_exhaustion == doctest::Approx(4));  // 40 left at 10/s

  // A destination that was not there in the previous refresh has no growth yet.
  CensusReport fresh = b;
  fresh.sockets.add(conn(1, 40000, 5432, 9));
  update_watch_frame(f, mem, fresh, 1.0, 10);
  bool seen_new = false;
  for (const WatchGroup& g : f.destinations) {
    if (g.label.rfind("10.0.0.9:5432", 0) != 0) continue;
    seen_new = true;
    CHECK_FALSE(g.growth_per_s.has_value());
    CHECK_FALSE(g.seconds_to_exhaustion.has_value());
  }
  CHECK(seen_new);

  // A counter that went down (another namespace): no negative rate.
  CensusReport c = b;
  c.counters["Tcp.ActiveOpens"] = 5;
  update_watch_frame(f, mem, c, 1.0, 10);
  CHECK(f.connects.back() == 0);
}

TEST_CASE("update_watch_frame: a count that levels off below the capacity runs out of nothing") {
  // 10 closes a second hold at most 600 ports in TIME_WAIT (60 s each): with 1,000 ports the
  // count grows for a minute, then stops. No "full in" however fast it grows now.
  auto snapshot = [](int tw, std::int64_t tw_counter) {
    CensusReport r;
    r.range.low = 40000;
    r.range.high = 40999;
    r.range.known = true;
    for (std::uint16_t p = 0; p < 10; ++p) r.sockets.add(conn(1, std::uint16_t(40000 + p), 80, 7));
    for (int i = 0; i < tw; ++i) r.sockets.add(conn(6, std::uint16_t(40100 + i), 80, 7));
    r.counters["TcpExt.TW"] = tw_counter;
    return r;
  };
  WatchFrame f;
  WatchMemory mem;
  update_watch_frame(f, mem, snapshot(50, 1000), 0, 10);
  update_watch_frame(f, mem, snapshot(70, 1020), 2.0, 10);
  REQUIRE(f.destinations.size() == 1);
  REQUIRE(f.destinations[0].growth_per_s.has_value());
  CHECK(*f.destinations[0].growth_per_s == doctest::Approx(10));
  CHECK_FALSE(f.destinations[0].seconds_to_exhaustion.has_value());

  // 20 closes a second would hold 1,200: over the capacity, so the growth is extrapolated...
  WatchFrame g;
  WatchMemory mem2;
  update_watch_frame(g, mem2, snapshot(50, 1000), 0, 10);
  update_watch_frame(g, mem2, snapshot(70, 1040), 2.0, 10);
  CHECK(g.destinations[0].seconds_to_exhaustion.has_value());
  // ...unless tcp_max_tw_buckets caps TIME_WAIT below it, or tcp_tw_reuse hands ports back.
  for (int variant = 0; variant < 2; ++variant) {
    CensusReport a = snapshot(50, 1000);
    CensusReport b = snapshot(70, 1040);
    for (CensusReport* r : {&a, &b}) {
      if (variant == 0) r->port_return.tw_cap = 500;
      if (variant == 1) r->port_return.reuse = 1;
    }
    WatchFrame h;
    WatchMemory mem3;
    update_watch_frame(h, mem3, a, 0, 10);
    update_watch_frame(h, mem3, b, 2.0, 10);
    CAPTURE(variant);
    CHECK_FALSE(h.destinations[0].seconds_to_exhaustion.has_value());
  }
}

TEST_CASE("render_watch fits the screen and ends with the key line") {
  WatchFrame f;
  f.states[1] = 5;
  f.states[static_cast<std::size_t>(TcpState::time_wait)] = 100;
  f.total = 105;
  push_history(f.connects, 10);
  push_history(f.accepts, 0);
  push_history(f.closes, 12);
  WatchGroup g;
  g.label = "10.0.0.5:3306 from 10.0.0.2";
  g.in_use = 100;
  g.capacity = 200;
  g.growth_per_s = 5;
  g.seconds_to_exhaustion = 20;
  f.destinations.push_back(g);
  auto lines = render_watch(f, 80, 24, false);
  CHECK(lines.size() == 24);
  for (const auto& l : lines) CHECK(l.size() <= 80);
  CHECK(lines.back().find("q quit") != std::string::npos);
  bool has_full_in = false;
  for (const auto& l : lines) has_full_in |= l.find("full in 20s") != std::string::npos;
  CHECK(has_full_in);
  CHECK(render_watch_line(f, "12:00:00").find("ESTABLISHED=5 TIME_WAIT=100") != std::string::npos);
}
