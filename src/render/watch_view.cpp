#include "render/watch_view.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "census/census.hpp"
#include "census/rates.hpp"
#include "census/socket_record.hpp"
#include "core/text_util.hpp"

namespace tcptune {

namespace {

/// Display columns of a UTF-8 string (every code point one column: the view uses no wide
/// characters).
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

/// Cuts a UTF-8 string to `width` columns.
std::string cut(const std::string& s, std::size_t width) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) {
      if (n == width) return s.substr(0, i);
      ++n;
    }
  }
  return s;
}

std::string pad(const std::string& s, std::size_t width) {
  const std::size_t n = columns(s);
  return n >= width ? cut(s, width) : s + std::string(width - n, ' ');
}

std::string rpad(const std::string& s, std::size_t width) {
  const std::size_t n = columns(s);
  return n >= width ? cut(s, width) : std::string(width - n, ' ') + s;
}

/// Whether a positive value gets a leading '+'.
enum class Sign { if_negative, always };

/// v with `decimals` digits after the point; a leading '+' on positive values with Sign::always.
std::string fixed(double v, int decimals, Sign sign = Sign::if_negative) {
  char buf[64];
  if (sign == Sign::always) {
    std::snprintf(buf, sizeof buf, "%+.*f", decimals, v);
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  }
  return buf;
}

std::string rate(double v) { return v >= 100 ? fixed(v, 0) : fixed(v, 1); }

std::string duration(double s) {
  if (s < 120) return fixed(s, 0) + "s";
  if (s < 7200) return fixed(s / 60, 0) + "m";
  return fixed(s / 3600, 1) + "h";
}

const char* sort_name(WatchSort s) {
  switch (s) {
    case WatchSort::sockets:
      return "sockets";
    case WatchSort::headroom:
      return "headroom";
    case WatchSort::rate:
      return "growth";
  }
  return "";
}

double fill(const WatchGroup& g) {
  return g.capacity > 0 ? static_cast<double>(g.in_use) / static_cast<double>(g.capacity) : 0.0;
}

std::int64_t counter(const std::map<std::string, std::int64_t>& c, const char* name) {
  auto it = c.find(name);
  return it == c.end() ? 0 : it->second;
}

// The owner shown beside a group: its first holder, else (inferred) who its TIME_WAIT is
// attributed to. Holders also count towards the top owners, by unit or container when the
// cgroup names one (a service's workers are one owner), else by command and pid.
std::string group_owner(const CensusReport& rep, const GroupKey& g,
                        std::map<std::string, std::uint64_t>& tally) {
  const OwnersOfGroup* o = rep.owners_of(g);
  if (o == nullptr) return "";
  for (const SocketOwner& h : o->holders) {
    const std::string unit = owner_label_unit(h);
    tally[unit.empty() || h.basis == OwnerBasis::cgroup ? h.text()
                                                        : cat(h.comm, " (", unit, ")")] +=
        h.sockets;
  }
  if (!o->holders.empty()) return o->holders.front().text();
  if (!o->time_wait.empty()) return o->time_wait.front().text() + " (inferred)";
  return "";
}

}  // namespace

void push_history(std::deque<double>& h, double v) {
  h.push_back(v);
  while (h.size() > k_watch_history) h.pop_front();
}

std::string sparkline(const std::deque<double>& values, std::size_t width, bool utf8) {
  if (values.empty() || width == 0) return {};
  // Level 0 (nothing) is a blank; levels 1..8 are the eighth blocks, or the ASCII ramp.
  static const char* const k_blocks[] = {" ",      "\u2581", "\u2582", "\u2583", "\u2584",
                                         "\u2585", "\u2586", "\u2587", "\u2588"};
  static const char k_ascii[] = " .:-=+*#%";
  const std::size_t n = std::min(width, values.size());
  const auto first = values.end() - static_cast<std::ptrdiff_t>(n);
  const double max = *std::max_element(first, values.end());
  std::string out;
  for (auto it = first; it != values.end(); ++it) {
    int level = 0;
    if (max > 0 && *it > 0) {
      level = static_cast<int>(std::lround(*it / max * 8.0));
      level = std::clamp(level, 1, 8);
    }
    if (utf8) {
      out += k_blocks[level];
    } else {
      out += k_ascii[level];
    }
  }
  return out;
}

std::string bar(double value, double max, std::size_t width) {
  if (max <= 0 || width == 0) return {};
  auto n = static_cast<std::size_t>(
      std::lround(std::clamp(value / max, 0.0, 1.0) * static_cast<double>(width)));
  if (value > 0 && n == 0) n = 1;
  return std::string(n, '#') + std::string(width - n, '.');
}

void sort_groups(std::vector<WatchGroup>& groups, WatchSort sort) {
  auto by = [&](const WatchGroup& a, const WatchGroup& b) {
    switch (sort) {
      case WatchSort::sockets:
        if (a.in_use != b.in_use) return a.in_use > b.in_use;
        break;
      case WatchSort::headroom:
        if (fill(a) != fill(b)) return fill(a) > fill(b);
        break;
      case WatchSort::rate: {
        const double ga = a.growth_per_s.value_or(0);
        const double gb = b.growth_per_s.value_or(0);
        if (ga != gb) return ga > gb;
        break;
      }
    }
    return a.label < b.label;
  };
  std::stable_sort(groups.begin(), groups.end(), by);
}

std::vector<std::string> render_watch(const WatchFrame& f, int width_in, int height_in, bool utf8) {
  const auto width = static_cast<std::size_t>(std::max(width_in, 40));
  const auto height = static_cast<std::size_t>(std::max(height_in, 10));
  std::vector<std::string> lines;
  auto add = [&](const std::string& s) {
    if (lines.size() < height) lines.push_back(cut(s, width));
  };

  std::string head = "tcptune sockets --watch  netns " + f.netns;
  if (f.netns_count > 1)
    head += cat(" (", std::to_string(f.netns_index + 1), "/", std::to_string(f.netns_count), ")");
  head += cat("  every ", fixed(f.interval, 1), "s  total ", std::to_string(f.total));
  if (f.paused) head += "  [paused]";
  add(head);
  add("");

  // State histogram: the states that have sockets, as bars against the largest.
  std::uint64_t max_state = 0;
  for (int s = 1; s < k_state_slots; ++s)
    max_state = std::max(max_state, f.states[static_cast<std::size_t>(s)]);
  const std::size_t bar_w = width > 60 ? std::min<std::size_t>(width - 32, 50) : 20;
  for (int s = 1; s < k_state_slots; ++s) {
    const std::uint64_t n = f.states[static_cast<std::size_t>(s)];
    if (n == 0) continue;
    add(pad(std::string(state_name(s)), 12) + rpad(std::to_string(n), 9) + "  " +
        bar(static_cast<double>(n), static_cast<double>(max_state), bar_w));
  }
  if (max_state == 0) add("(no TCP sockets)");
  add("");

  // Rates with their history.
  const std::size_t spark_w = width > 50 ? std::min<std::size_t>(width - 30, 60) : 10;
  auto rate_line = [&](const char* name, const std::deque<double>& h) {
    std::string now = h.empty() ? "-" : rate(h.back());
    add(pad(name, 13) + rpad(now, 8) + "/s  " + sparkline(h, spark_w, utf8));
  };
  rate_line("connects", f.connects);
  rate_line("accepts", f.accepts);
  rate_line("closes first", f.closes);
  if (f.overflows_per_s && *f.overflows_per_s > 0)
    add(cat("overflows    ", rate(*f.overflows_per_s), "/s  (TIME_WAIT buckets, accept queues)"));
  add("");

  // Groups: label, in use / capacity as a bar, growth, time to exhaustion.
  const std::size_t label_w = std::min<std::size_t>(width / 3, 40);
  const std::size_t gbar_w =
      width > label_w + 50 ? std::min<std::size_t>(width - label_w - 50, 30) : 10;
  auto group_lines = [&](const char* title, const std::vector<WatchGroup>& gs) {
    add(std::string(title) + "  (sorted by " + sort_name(f.sort) + ")");
    if (gs.empty()) {
      add("  none");
      return;
    }
    for (const WatchGroup& g : gs) {
      if (lines.size() + 6 >= height) break;  // leave room for owners and the key line
      std::string row = cat("  ", pad(g.label, label_w), rpad(std::to_string(g.in_use), 7));
      if (g.capacity > 0) {
        row += cat("/", pad(std::to_string(g.capacity), 6), " ",
                   bar(static_cast<double>(g.in_use), static_cast<double>(g.capacity), gbar_w));
      }  // a listening port has no capacity: no bar, and room for its owner
      row += cat("  TW ", rpad(std::to_string(g.time_wait), 6));
      if (g.close_wait > 0) row += cat("  CW ", std::to_string(g.close_wait));
      if (g.growth_per_s) row += cat("  ", fixed(*g.growth_per_s, 1, Sign::always), "/s");
      if (g.seconds_to_exhaustion) row += cat("  full in ", duration(*g.seconds_to_exhaustion));
      if (!g.owner.empty()) row += "  " + g.owner;
      add(row);
    }
  };
  group_lines("destinations (ports in use / capacity)", f.destinations);
  add("");
  group_lines("listening ports (connections)", f.ports);
  if (!f.owners.empty()) {
    add("");
    std::string o = "top owners: ";
    for (std::size_t i = 0; i < f.owners.size(); ++i) o += (i ? ", " : "") + f.owners[i];
    add(o);
  }
  while (lines.size() + 1 < height) lines.emplace_back();
  add(f.status.empty() ? "q quit  p pause  s sort  n next namespace" : f.status);
  return lines;
}

std::string render_watch_line(const WatchFrame& f, const std::string& clock) {
  std::string out = clock + " netns=" + f.netns + " total=" + std::to_string(f.total);
  for (int s = 1; s < k_state_slots; ++s) {
    const std::uint64_t n = f.states[static_cast<std::size_t>(s)];
    if (n > 0) out += cat(" ", state_name(s), "=", std::to_string(n));
  }
  if (!f.connects.empty()) out += cat(" connects/s=", fixed(f.connects.back(), 1));
  if (!f.accepts.empty()) out += cat(" accepts/s=", fixed(f.accepts.back(), 1));
  if (!f.closes.empty()) out += cat(" closes/s=", fixed(f.closes.back(), 1));
  if (!f.destinations.empty()) {
    const WatchGroup& g = f.destinations.front();
    out += cat(" top=\"", g.label, "\" in_use=", std::to_string(g.in_use),
               " capacity=", std::to_string(g.capacity));
    if (g.seconds_to_exhaustion) out += cat(" full_in=", duration(*g.seconds_to_exhaustion));
  }
  return out + "\n";
}

void update_watch_frame(WatchFrame& f, WatchMemory& mem, const CensusReport& now, double seconds,
                        std::size_t top) {
  const CensusAggregator& s = now.sockets;
  for (int st = 1; st < k_state_slots; ++st)
    f.states[static_cast<std::size_t>(st)] = s.state_total(st);
  f.total = s.total();
  const bool measure = mem.valid && seconds > 0;
  auto per_s = [&](const char* name) {
    // Counters only grow; a smaller value means a new namespace or a wrap: no rate.
    const std::int64_t d = counter(now.counters, name) - counter(mem.counters, name);
    return d >= 0 ? static_cast<double>(d) / seconds : 0.0;
  };
  // This host's closes a second, the most any one destination can have: the ceiling of the
  // ports its closing connections hold once their count levels off.
  double host_closes = 0;
  if (measure) {
    host_closes = per_s("TcpExt.TW") + per_s("TcpExt.TCPTimeWaitOverflow");
    push_history(f.connects, per_s("Tcp.ActiveOpens"));
    push_history(f.accepts, per_s("Tcp.PassiveOpens"));
    // A close made first here enters TIME_WAIT, or is dropped when the bucket limit is hit.
    push_history(f.closes, per_s("TcpExt.TW") + per_s("TcpExt.TCPTimeWaitOverflow"));
    f.overflows_per_s = per_s("TcpExt.TCPTimeWaitOverflow") + per_s("TcpExt.ListenOverflows");
  }
  std::map<std::string, std::uint64_t> seen;
  // `level`: where the group's count levels off at most (its open connections plus what the
  // closes hold); no shortage is foreseen when that is below the capacity.
  auto growth = [&](WatchGroup& g, std::optional<double> level = std::nullopt) {
    seen[g.label] = g.in_use;
    if (!measure) return;
    // A group that just appeared has no growth yet: one new connection is not a trend.
    auto it = mem.in_use.find(g.label);
    if (it == mem.in_use.end()) return;
    g.growth_per_s = (static_cast<double>(g.in_use) - static_cast<double>(it->second)) / seconds;
    if (level && *level < static_cast<double>(g.capacity)) return;
    if (g.capacity > 0 && *g.growth_per_s > 0) {
      const double left = static_cast<double>(g.capacity) - static_cast<double>(g.in_use);
      g.seconds_to_exhaustion = left > 0 ? left / *g.growth_per_s : 0.0;
    }
  };
  f.destinations.clear();
  std::map<std::string, std::uint64_t> tally;  // owner → sampled sockets held
  const std::int64_t cap = now.port_capacity();
  for (const Destination& d : s.destinations()) {
    WatchGroup g;
    g.loopback = is_loopback(d.key.remote, d.key.v4);
    g.label = endpoint_text(d.key.remote, d.key.v4, d.key.remote_port) + " from " +
              address_text(d.key.local, d.key.v4);
    g.in_use = d.sockets;
    g.capacity = cap;
    g.time_wait = d.states[static_cast<std::size_t>(TcpState::time_wait)];
    g.close_wait = d.states[static_cast<std::size_t>(TcpState::close_wait)];
    g.owner = group_owner(now, client_group(d.key), tally);
    std::uint64_t open = 0;
    for (std::size_t st = 1; st < d.states.size(); ++st)
      if (is_open_state(static_cast<std::uint8_t>(st))) open += d.states[st];
    growth(g, static_cast<double>(open) + now.port_return.closing_ports(host_closes, d.key));
    f.destinations.push_back(std::move(g));
  }
  f.ports.clear();
  std::map<std::uint16_t, std::int64_t> backlog;
  for (const Listener& l : s.listeners()) backlog[l.port] += l.queue_max;
  for (const PortUse& p : s.server_ports()) {
    WatchGroup g;
    g.label = cat("port ", std::to_string(p.port));
    for (int st = 1; st < k_state_slots; ++st) g.in_use += p.states[static_cast<std::size_t>(st)];
    g.capacity = 0;  // connections on a port are not bounded by a port range
    g.time_wait = p.states[static_cast<std::size_t>(TcpState::time_wait)];
    g.close_wait = p.states[static_cast<std::size_t>(TcpState::close_wait)];
    g.owner = group_owner(now, server_group(p.port), tally);
    growth(g);
    f.ports.push_back(std::move(g));
  }
  sort_groups(f.destinations, f.sort);
  sort_groups(f.ports, f.sort);
  if (f.destinations.size() > top) f.destinations.resize(top);
  if (f.ports.size() > top) f.ports.resize(top);
  std::vector<std::pair<std::string, std::uint64_t>> ranked(tally.begin(), tally.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  f.owners.clear();
  for (std::size_t i = 0; i < ranked.size() && i < 3; ++i) f.owners.push_back(ranked[i].first);
  mem.in_use = std::move(seen);
  mem.counters = now.counters;
  mem.valid = true;
}

}  // namespace tcptune
