#include "render/sockets_render.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "census/counters.hpp"
#include "render/findings_render.hpp"

namespace tcptune {

namespace {

constexpr int k_time_wait_seconds = 60;  // TCP_TIMEWAIT_LEN: fixed in the kernel

std::uint64_t sum(const StateCounts& c) {
  std::uint64_t s = 0;
  for (auto v : c) s += v;
  return s;
}

// Whether a state with no socket is listed (as 0) or left out.
enum class Zeros { keep, skip };

Json states_json(const StateCounts& c, Zeros zeros) {
  Json o = Json::object();
  for (int st = 1; st <= 11; ++st) {
    if (zeros == Zeros::skip && c[static_cast<std::size_t>(st)] == 0) continue;
    o[std::string(state_name(st))] = c[static_cast<std::size_t>(st)];
  }
  return o;
}

enum class Align { left, right };

std::string pad(std::string s, std::size_t w, Align align = Align::left) {
  if (s.size() >= w) return s;
  return align == Align::right ? std::string(w - s.size(), ' ') + s
                               : s + std::string(w - s.size(), ' ');
}

std::string rate_text(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, r < 1 ? "%.2f" : (r < 10 ? "%.1f" : "%.0f"), r);
  return buf;
}

std::string rate(std::uint64_t tw) {
  return rate_text(static_cast<double>(tw) / k_time_wait_seconds);
}

// A rate as JSON: rounded to 0.01 so that outputs stay readable and stable.
Json rate_json(double r) { return Json(std::round(r * 100) / 100); }

std::string duration_text(double s) {
  char buf[32];
  if (s < 120) {
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  } else if (s < 7200) {
    std::snprintf(buf, sizeof buf, "%.0f min", s / 60);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f h", s / 3600);
  }
  return buf;
}

// "owners": the holders of the group's sockets, then (inferred) who its TIME_WAIT is
// attributed to; only with owners found, so reports without a lookup keep their shape.
void add_owners(Json& row, const CensusReport& rep, const GroupKey& g) {
  const OwnersOfGroup* o = rep.owners_of(g);
  if (o == nullptr) return;
  // A holder that TIME_WAIT is also attributed to is listed twice, the second time inferred:
  // what it holds is a fact, what it closed is not.
  std::vector<SocketOwner> all = o->holders;
  all.insert(all.end(), o->time_wait.begin(), o->time_wait.end());
  row["owners"] = owners_json(all);
}

std::string group_text(const GroupKey& g) {
  return g.side == GroupSide::server
             ? "port " + std::to_string(g.dest.remote_port)
             : "to " + endpoint_text(g.dest.remote, g.dest.v4, g.dest.remote_port);
}

// The owners of the groups the tables show, in table order.
std::vector<GroupKey> shown_groups(const CensusReport& rep, const std::vector<Destination>& dests,
                                   std::size_t top) {
  std::vector<GroupKey> out;
  std::size_t shown = 0;
  for (const PortUse& p : rep.sockets.server_ports()) {
    if (shown++ >= top) break;
    if (rep.owners_of(server_group(p.port)) != nullptr) out.push_back(server_group(p.port));
  }
  for (std::size_t i = 0; i < dests.size() && i < top; ++i) {
    GroupKey g = client_group(dests[i].key);
    if (rep.owners_of(g) != nullptr) out.push_back(g);
  }
  return out;
}

std::string owners_text(const CensusReport& rep, const std::vector<Destination>& dests,
                        std::size_t top) {
  std::string out;
  for (const GroupKey& g : shown_groups(rep, dests, top)) {
    const OwnersOfGroup* o = rep.owners_of(g);
    std::string line = "  " + group_text(g) + ":";
    if (!o->holders.empty()) {
      line += " held by ";
      for (std::size_t i = 0; i < o->holders.size() && i < 3; ++i)
        line += (i > 0 ? ", " : "") + o->holders[i].text();
      if (o->holders.size() > 3) line += " and " + std::to_string(o->holders.size() - 3) + " more";
    }
    bool tw_new = false;
    for (const SocketOwner& t : o->time_wait) {
      bool held = false;
      for (const SocketOwner& h : o->holders) held = held || h.pid == t.pid;
      tw_new = tw_new || !held;
    }
    if (!o->time_wait.empty() && (o->holders.empty() || tw_new || g.side == GroupSide::client)) {
      std::uint64_t tw = 0;
      if (g.side == GroupSide::server) {
        for (const PortUse& p : rep.sockets.server_ports())
          if (p.port == g.dest.remote_port) tw = count_of(p.states, TcpState::time_wait);
      } else {
        for (const Destination& d : dests)
          if (d.key == g.dest) tw = count_of(d.states, TcpState::time_wait);
      }
      if (tw > 0 || o->time_wait.front().basis == OwnerBasis::window)
        line += (o->holders.empty() ? "" : ";") + owners_clause(o->time_wait).substr(1);
    }
    out += line + "\n";
  }
  if (out.empty()) return "";
  return "\nowners (processes holding sampled sockets of the groups above; inferred ones "
         "marked):\n" +
         out;
}

// One info series per (group, unit or container, command) of the top groups: no pid, so the
// series survive restarts and stay few.
std::string owners_prometheus(const CensusReport& rep, const std::vector<Destination>& dests,
                              std::size_t top) {
  std::set<std::string> series;
  for (const GroupKey& g : shown_groups(rep, dests, top)) {
    const OwnersOfGroup* o = rep.owners_of(g);
    auto add = [&](const SocketOwner& s) {
      std::string labels = g.side == GroupSide::server
                               ? "side=\"server\",local=\"\",remote=\"\",port=\"" +
                                     std::to_string(g.dest.remote_port) + "\""
                               : "side=\"client\",local=\"" +
                                     prometheus_label(address_text(g.dest.local, g.dest.v4)) +
                                     "\",remote=\"" +
                                     prometheus_label(address_text(g.dest.remote, g.dest.v4)) +
                                     "\",port=\"" + std::to_string(g.dest.remote_port) + "\"";
      labels += ",comm=\"" + prometheus_label(s.comm) + "\",unit=\"" +
                prometheus_label(s.cgroup.unit) + "\",container=\"" +
                prometheus_label(s.cgroup.container.substr(0, 12)) + "\",inferred=\"" +
                (s.inferred() ? "true" : "false") + "\"";
      series.insert("tcptune_socket_owner_info{" + labels + "} 1\n");
    };
    for (const SocketOwner& s : o->holders) add(s);
    for (const SocketOwner& s : o->time_wait) add(s);
  }
  if (series.empty()) return "";
  std::string out =
      "# HELP tcptune_socket_owner_info Processes owning the sockets of the top groups, by "
      "command, systemd unit and container (inferred: TIME_WAIT attributed, not held).\n"
      "# TYPE tcptune_socket_owner_info gauge\n";
  for (const std::string& s : series) out += s;
  return out;
}

}  // namespace

std::string render_sockets(const CensusReport& rep, const SocketsMeta& meta, OutputFormat format,
                           const Style& style) {
  const CensusAggregator& a = rep.sockets;
  StateCounts all{};
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = a.state_total(static_cast<int>(i));
  std::vector<Destination> dests = a.destinations();
  std::int64_t capacity = rep.port_capacity();
  std::int64_t sockstat_tw = rep.sockstat.count("TCP.tw") != 0 ? rep.sockstat.at("TCP.tw") : -1;

  if (format == OutputFormat::json) {
    Json j;
    j["schema"] = "tcptune.sockets/1";
    j["tool"] = {{"name", "tcptune"}, {"version", meta.version}};
    j["source"] = rep.source;
    j["fallback_reason"] = rep.fallback_reason.empty() ? Json(nullptr) : Json(rep.fallback_reason);
    j["netns"] = meta.netns.empty() ? Json(nullptr) : Json(meta.netns);
    j["sample"] = {{"seconds", rep.sample.two_snapshots ? rate_json(rep.sample.seconds) : Json(0)},
                   {"snapshots", rep.sample.two_snapshots ? 2 : 1},
                   {"note", rep.sample.why_one.empty() ? Json(nullptr) : Json(rep.sample.why_one)}};
    Json rates = Json::object();
    for (const std::string& name : rated_counters()) {
      std::string shortname = name.substr(name.find('.') + 1);
      auto it = rep.rates.find(shortname);
      rates[shortname] = it == rep.rates.end() ? Json(nullptr) : rate_json(it->second);
    }
    j["rates"] = std::move(rates);
    j["states"] = states_json(all, Zeros::keep);
    j["total"] = a.total();
    j["families"] = {{"ipv4",
                      {{"states", states_json(a.states(IpFamily::v4), Zeros::keep)},
                       {"total", sum(a.states(IpFamily::v4))}}},
                     {"ipv6",
                      {{"states", states_json(a.states(IpFamily::v6), Zeros::keep)},
                       {"total", sum(a.states(IpFamily::v6))}}}};
    Json listeners = Json::array();
    for (const Listener& l : a.listeners()) {
      listeners.push_back(
          {{"address", address_text(l.address, l.v4)},
           {"port", l.port},
           {"family", l.v4 ? "ipv4" : "ipv6"},
           {"accept_queue", l.queue},
           {"accept_queue_max", l.queue_max > 0 ? Json(l.queue_max) : Json(nullptr)}});
    }
    j["listeners"] = std::move(listeners);
    Json ports = Json::array();
    for (const PortUse& p : a.server_ports()) {
      GroupRate g = rep.rate_of(p);
      ports.push_back({{"port", p.port},
                       {"states", states_json(p.states, Zeros::skip)},
                       {"connections", sum(p.states)},
                       {"connects_per_s", rate_json(g.connects_per_s)},
                       {"closes_per_s", rate_json(g.closes_per_s)},
                       {"rate_source", g.measured ? "measured" : "lower_bound"},
                       {"loopback", p.loopback > 0 && p.loopback == sum(p.states)}});
      add_owners(ports.back(), rep, server_group(p.port));
    }
    j["server_ports"] = std::move(ports);
    Json ds = Json::array();
    for (const Destination& d : dests) {
      GroupRate g = rep.rate_of(d);
      ds.push_back(
          {{"local", address_text(d.key.local, d.key.v4)},
           {"remote", address_text(d.key.remote, d.key.v4)},
           {"remote_port", d.key.remote_port},
           {"states", states_json(d.states, Zeros::skip)},
           {"ports_in_use", d.sockets},
           {"port_capacity", capacity},
           {"headroom", capacity - static_cast<std::int64_t>(d.sockets)},
           {"closes_per_second", rate_json(g.closes_per_s)},
           {"connects_per_s", rate_json(g.connects_per_s)},
           {"closes_per_s", rate_json(g.closes_per_s)},
           {"rate_source", g.measured ? "measured" : "lower_bound"},
           {"loopback", is_loopback(d.key.remote, d.key.v4)},
           {"seconds_to_exhaustion",
            g.seconds_to_exhaustion ? rate_json(*g.seconds_to_exhaustion) : Json(nullptr)}});
      add_owners(ds.back(), rep, client_group(d.key));
    }
    j["destinations"] = std::move(ds);
    j["closers"] = {{"server_side_time_wait", a.server_time_wait()},
                    {"client_side_time_wait", a.client_time_wait()}};
    j["timewait_pool"] = {{"time_wait", all[static_cast<std::size_t>(TcpState::time_wait)]},
                          {"orphaned_fin_wait2", a.orphan_fin_wait2()},
                          {"sockstat_tw", sockstat_tw >= 0 ? Json(sockstat_tw) : Json(nullptr)}};
    j["port_range"] = {{"low", rep.range.low}, {"high", rep.range.high}, {"capacity", capacity}};
    Json counters = Json::object();
    for (const std::string& name : reported_counters_list()) {
      auto it = rep.counters.find(name);
      counters[name.substr(name.find('.') + 1)] =
          it == rep.counters.end() ? Json(nullptr) : Json(it->second);
    }
    j["counters"] = std::move(counters);
    if (rep.owner_stats.walks > 0 || !rep.owner_stats.error.empty()) {
      const OwnerLookupStats& st = rep.owner_stats;
      j["owner_lookup"] = {{"groups", st.groups},
                           {"inodes", st.inodes},
                           {"processes_scanned", st.processes_scanned},
                           {"descriptors_scanned", st.descriptors_scanned},
                           {"processes_denied", st.processes_denied},
                           {"error", st.error.empty() ? Json(nullptr) : Json(st.error)}};
    }
    return dump_json(j);
  }

  if (format == OutputFormat::prometheus) {
    std::string out;
    out +=
        "# HELP tcptune_sockets TCP sockets by state and address family.\n# TYPE tcptune_sockets "
        "gauge\n";
    for (IpFamily family : {IpFamily::v4, IpFamily::v6}) {
      for (int st = 1; st <= 11; ++st) {
        out += "tcptune_sockets{family=\"" + std::string(family == IpFamily::v4 ? "ipv4" : "ipv6") +
               "\",state=\"" + std::string(state_name(st)) + "\"} " +
               std::to_string(a.states(family)[static_cast<std::size_t>(st)]) + "\n";
      }
    }
    out +=
        "# HELP tcptune_destination_sockets Client-side sockets per destination and state (top "
        "groups).\n"
        "# TYPE tcptune_destination_sockets gauge\n";
    std::string headroom =
        "# HELP tcptune_destination_port_headroom Local ports still free toward a destination.\n"
        "# TYPE tcptune_destination_port_headroom gauge\n";
    for (std::size_t i = 0; i < dests.size() && i < meta.top; ++i) {
      const Destination& d = dests[i];
      std::string labels = "local=\"" + prometheus_label(address_text(d.key.local, d.key.v4)) +
                           "\",remote=\"" + prometheus_label(address_text(d.key.remote, d.key.v4)) +
                           "\",remote_port=\"" + std::to_string(d.key.remote_port) + "\"";
      for (int st = 1; st <= 11; ++st) {
        if (d.states[static_cast<std::size_t>(st)] == 0) continue;
        out += "tcptune_destination_sockets{" + labels + ",state=\"" + std::string(state_name(st)) +
               "\"} " + std::to_string(d.states[static_cast<std::size_t>(st)]) + "\n";
      }
      headroom += "tcptune_destination_port_headroom{" + labels + "} " +
                  std::to_string(capacity - static_cast<std::int64_t>(d.sockets)) + "\n";
    }
    out += headroom;
    out +=
        "# HELP tcptune_listener_accept_queue Connections waiting for accept().\n# TYPE "
        "tcptune_listener_accept_queue gauge\n";
    // One series per (address, port): SO_REUSEPORT gives one listener per socket on the same
    // port, and a duplicate series makes the whole textfile invalid. Their queues add up.
    std::map<std::pair<std::string, std::uint16_t>, std::uint64_t> queues;
    for (const Listener& l : a.listeners())
      queues[{address_text(l.address, l.v4), l.port}] += l.queue;
    for (const auto& [where, queue] : queues) {
      out += "tcptune_listener_accept_queue{address=\"" + prometheus_label(where.first) +
             "\",port=\"" + std::to_string(where.second) + "\"} " + std::to_string(queue) + "\n";
    }
    // One counter family per kernel table, the counter's own name as a label: a fixed, small set
    // of series (Prometheus naming: counters end in _total, no type word in the name, snake_case
    // names, so the kernel's CamelCase names stay label values). Tcp.CurrEstab is a level, not a
    // count of events: a gauge of its own.
    std::string tcpext =
        "# HELP tcptune_kernel_tcpext_total TCP event counters from /proc/net/netstat (TcpExt), "
        "by kernel name.\n"
        "# TYPE tcptune_kernel_tcpext_total counter\n";
    std::string tcp =
        "# HELP tcptune_kernel_tcp_total TCP event counters from /proc/net/snmp (Tcp), by kernel "
        "name.\n"
        "# TYPE tcptune_kernel_tcp_total counter\n";
    std::string established =
        "# HELP tcptune_kernel_tcp_curr_estab TCP connections in ESTABLISHED or CLOSE_WAIT "
        "(Tcp.CurrEstab in /proc/net/snmp).\n"
        "# TYPE tcptune_kernel_tcp_curr_estab gauge\n";
    // A family is written only with samples: a kernel table that could not be read is absent.
    std::string tcpext_samples, tcp_samples, established_sample;
    for (const std::string& name : reported_counters_list()) {
      auto it = rep.counters.find(name);
      if (it == rep.counters.end()) continue;
      std::string value = std::to_string(it->second) + "\n";
      if (name == "Tcp.CurrEstab") {
        established_sample = "tcptune_kernel_tcp_curr_estab " + value;
        continue;
      }
      std::size_t dot = name.find('.');
      std::string label = "{counter=\"" + prometheus_label(name.substr(dot + 1)) + "\"} ";
      if (name.compare(0, dot, "TcpExt") == 0)
        tcpext_samples += "tcptune_kernel_tcpext_total" + label + value;
      else
        tcp_samples += "tcptune_kernel_tcp_total" + label + value;
    }
    if (!tcpext_samples.empty()) out += tcpext + tcpext_samples;
    if (!tcp_samples.empty()) out += tcp + tcp_samples;
    if (!established_sample.empty()) out += established + established_sample;
    // How the rates below were measured: an alert on a rate can require a real window.
    char sample_buf[64];
    std::snprintf(sample_buf, sizeof sample_buf, "%.2f",
                  rep.sample.two_snapshots ? rep.sample.seconds : 0.0);
    out +=
        "# HELP tcptune_sample_seconds Seconds between the census's two snapshots; 0 with one "
        "snapshot (then no rate series is written).\n"
        "# TYPE tcptune_sample_seconds gauge\n"
        "tcptune_sample_seconds " +
        std::string(sample_buf) + "\n";
    // Rates only exist with two snapshots: Prometheus can rate() the counters itself, but only
    // over its own scrapes of a file written every few minutes; the census measures them over
    // its sample, and the per-group connection rates and the time to exhaustion come from it.
    if (rep.sample.two_snapshots) {
      std::string events =
          "# HELP tcptune_kernel_events_per_second Kernel TCP counters (TcpExt and Tcp, by "
          "kernel name) per second, measured between two snapshots.\n"
          "# TYPE tcptune_kernel_events_per_second gauge\n";
      std::string event_samples;
      for (const std::string& name : rated_counters()) {
        std::string shortname = name.substr(name.find('.') + 1);
        auto it = rep.rates.find(shortname);
        if (it == rep.rates.end()) continue;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.2f", it->second);
        event_samples += "tcptune_kernel_events_per_second{counter=\"" +
                         prometheus_label(shortname) + "\"} " + buf + "\n";
      }
      if (!event_samples.empty()) out += events + event_samples;
      std::string port_connects =
          "# HELP tcptune_server_port_connects_per_second Connections accepted per second on a "
          "listening port, measured between two snapshots.\n"
          "# TYPE tcptune_server_port_connects_per_second gauge\n";
      std::string port_closes =
          "# HELP tcptune_server_port_closes_per_second Connections on a listening port closed "
          "per second (by either side), measured between two snapshots.\n"
          "# TYPE tcptune_server_port_closes_per_second gauge\n";
      for (const PortUse& p : a.server_ports()) {
        GroupRate g = rep.rate_of(p);
        char buf[64];
        std::string labels = "{port=\"" + std::to_string(p.port) + "\"} ";
        std::snprintf(buf, sizeof buf, "%.2f", g.connects_per_s);
        port_connects += "tcptune_server_port_connects_per_second" + labels + buf + "\n";
        std::snprintf(buf, sizeof buf, "%.2f", g.closes_per_s);
        port_closes += "tcptune_server_port_closes_per_second" + labels + buf + "\n";
      }
      out += port_connects + port_closes;
      out +=
          "# HELP tcptune_destination_connects_per_second New connections per second toward a "
          "destination (top groups), measured between two snapshots.\n"
          "# TYPE tcptune_destination_connects_per_second gauge\n";
      std::string dest_closes =
          "# HELP tcptune_destination_closes_per_second Connections toward a destination (top "
          "groups) closed per second (by either side), measured between two snapshots.\n"
          "# TYPE tcptune_destination_closes_per_second gauge\n";
      std::string tte =
          "# HELP tcptune_destination_seconds_to_exhaustion Seconds until no local port is left "
          "toward a destination (only when its ports will not level off below the capacity).\n"
          "# TYPE tcptune_destination_seconds_to_exhaustion gauge\n";
      for (std::size_t i = 0; i < dests.size() && i < meta.top; ++i) {
        const Destination& d = dests[i];
        GroupRate g = rep.rate_of(d);
        std::string labels = "local=\"" + prometheus_label(address_text(d.key.local, d.key.v4)) +
                             "\",remote=\"" +
                             prometheus_label(address_text(d.key.remote, d.key.v4)) +
                             "\",remote_port=\"" + std::to_string(d.key.remote_port) + "\"";
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.2f", g.connects_per_s);
        out += "tcptune_destination_connects_per_second{" + labels + "} " + buf + "\n";
        std::snprintf(buf, sizeof buf, "%.2f", g.closes_per_s);
        dest_closes += "tcptune_destination_closes_per_second{" + labels + "} " + buf + "\n";
        if (g.seconds_to_exhaustion) {
          std::snprintf(buf, sizeof buf, "%.1f", *g.seconds_to_exhaustion);
          tte += "tcptune_destination_seconds_to_exhaustion{" + labels + "} " + buf + "\n";
        }
      }
      out += dest_closes + tte;
    }
    out += owners_prometheus(rep, dests, meta.top);
    return out;
  }

  // text
  std::string out;
  out += style.bold("TCP sockets: " + std::to_string(a.total())) + " (IPv4 " +
         std::to_string(sum(a.states(IpFamily::v4))) + ", IPv6 " +
         std::to_string(sum(a.states(IpFamily::v6))) + ")  source: " + rep.source +
         (meta.netns.empty() ? "" : "  netns: " + meta.netns) + "\n";
  if (!rep.fallback_reason.empty()) out += "note: " + rep.fallback_reason + "\n";
  if (rep.sample.two_snapshots) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.2f s between two snapshots: rates are measured",
                  rep.sample.seconds);
    out += std::string("sample: ") + buf + "\n";
  } else {
    out += "sample: one snapshot (" + rep.sample.why_one +
           "): rates are lower bounds (TIME_WAIT / 60 s)\n";
  }
  out += "\n" +
         style.bold(pad("state", 14) + pad("IPv4", 10, Align::right) +
                    pad("IPv6", 10, Align::right) + pad("total", 10, Align::right)) +
         "\n";
  for (int st = 1; st <= 11; ++st) {
    auto i = static_cast<std::size_t>(st);
    if (all[i] == 0) continue;
    out += pad(std::string(state_name(st)), 14) +
           pad(std::to_string(a.states(IpFamily::v4)[i]), 10, Align::right) +
           pad(std::to_string(a.states(IpFamily::v6)[i]), 10, Align::right) +
           pad(std::to_string(all[i]), 10, Align::right) + "\n";
  }
  std::uint64_t tw = all[static_cast<std::size_t>(TcpState::time_wait)];
  out += "\nTIME_WAIT pool: " + std::to_string(tw) + " TIME_WAIT + " +
         std::to_string(a.orphan_fin_wait2()) + " orphaned FIN_WAIT2" +
         (sockstat_tw >= 0 ? "; /proc/net/sockstat tw " + std::to_string(sockstat_tw) : "") + "\n";
  if (!a.listeners().empty()) {
    out += "\n" +
           style.bold(pad("listening on", 26) + pad("accept queue", 14, Align::right) +
                      pad("conn/s", 9, Align::right) + pad("closes/s", 10, Align::right) +
                      "  connections") +
           "\n";
    std::vector<PortUse> ports = a.server_ports();
    std::size_t shown = 0;
    for (const Listener& l : a.listeners()) {
      if (shown++ >= meta.top) break;
      std::string q =
          std::to_string(l.queue) + (l.queue_max > 0 ? "/" + std::to_string(l.queue_max) : "");
      std::string conns;
      for (const PortUse& p : ports) {
        if (p.port != l.port) continue;
        for (int st = 1; st <= 11; ++st) {
          auto n = p.states[static_cast<std::size_t>(st)];
          if (n != 0)
            conns +=
                (conns.empty() ? "" : ", ") + std::string(state_name(st)) + " " + std::to_string(n);
        }
      }
      PortUse pu;
      pu.port = l.port;
      for (const PortUse& p : ports) {
        if (p.port == l.port) pu = p;
      }
      GroupRate g = rep.rate_of(pu);
      std::string mark = g.measured ? "" : ">=";
      out += pad(endpoint_text(l.address, l.v4, l.port), 26) + pad(q, 14, Align::right) +
             pad(mark + rate_text(g.connects_per_s), 9, Align::right) +
             pad(mark + rate_text(g.closes_per_s), 10, Align::right) + "  " +
             (conns.empty() ? "-" : conns) + "\n";
    }
  }
  if (!dests.empty()) {
    out += "\n" +
           style.bold(pad("client side: to", 26) + pad("sockets", 9, Align::right) +
                      pad("TIME_WAIT", 11, Align::right) + pad("ports used", 12, Align::right) +
                      pad("headroom", 10, Align::right) + pad("conn/s", 9, Align::right) +
                      pad("closes/s", 10, Align::right) + pad("ports out in", 14, Align::right)) +
           "\n";
    for (std::size_t i = 0; i < dests.size() && i < meta.top; ++i) {
      const Destination& d = dests[i];
      std::uint64_t dtw = d.states[static_cast<std::size_t>(TcpState::time_wait)];
      GroupRate g = rep.rate_of(d);
      char pct[16];
      std::snprintf(pct, sizeof pct, "%.0f%%", headroom_pct(capacity, d.sockets));
      out += pad(endpoint_text(d.key.remote, d.key.v4, d.key.remote_port), 26) +
             pad(std::to_string(d.sockets), 9, Align::right) +
             pad(std::to_string(dtw), 11, Align::right) +
             pad(std::to_string(d.sockets) + "/" + std::to_string(capacity), 12, Align::right) +
             pad(pct, 10, Align::right) +
             pad((g.measured ? "" : ">=") + rate_text(g.connects_per_s), 9, Align::right) +
             pad((g.measured ? "" : ">=") + rate_text(g.closes_per_s), 10, Align::right) +
             pad(g.seconds_to_exhaustion ? duration_text(*g.seconds_to_exhaustion) : "-", 14,
                 Align::right) +
             (is_loopback(d.key.remote, d.key.v4) ? "  (local)" : "") + "\n";
    }
    if (dests.size() > meta.top)
      out += "(" + std::to_string(dests.size() - meta.top) + " more destinations; --top N)\n";
  }
  out += owners_text(rep, dests, meta.top);
  out += "\nwho closes first: ";
  if (a.server_time_wait() == 0 && a.client_time_wait() == 0) {
    out += "no TIME_WAIT sockets\n";
  } else {
    // TIME_WAIT / 60 s is how often this host closed first over the last minute, at least:
    // tcp_tw_reuse, the tcp_max_tw_buckets cap and a TIME_WAIT killed early hide some, with
    // one snapshot or two (the measured closes per group count either side's closes).
    out += std::to_string(a.server_time_wait()) +
           " TIME_WAIT on server ports (this host closes connections it accepted; at least " +
           rate(a.server_time_wait()) + "/s over the last minute), " +
           std::to_string(a.client_time_wait()) +
           " on outgoing connections (this host closes as a client; at least " +
           rate(a.client_time_wait()) + "/s over the last minute)\n";
  }
  if (!rep.rates.empty()) {
    std::string rates;
    for (const std::string& name : rated_counters()) {
      auto it = rep.rates.find(name.substr(name.find('.') + 1));
      if (it != rep.rates.end() && it->second > 0)
        rates += (rates.empty() ? "" : ", ") + it->first + " " + rate_text(it->second);
    }
    out +=
        "kernel counters per second: " + (rates.empty() ? std::string("none moved") : rates) + "\n";
  }
  std::string counters;
  for (const std::string& name : reported_counters_list()) {
    auto it = rep.counters.find(name);
    if (it != rep.counters.end() && it->second != 0) {
      counters += (counters.empty() ? "" : ", ") + name.substr(name.find('.') + 1) + " " +
                  std::to_string(it->second);
    }
  }
  if (!counters.empty()) out += "kernel counters: " + counters + "\n";
  out += "port range " + std::to_string(rep.range.low) + "-" + std::to_string(rep.range.high) +
         ": " + std::to_string(capacity) + " ports per destination and source address\n";
  return out;
}

}  // namespace tcptune
