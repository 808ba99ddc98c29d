#include "engine/facts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "census/census.hpp"
#include "census/socket_record.hpp"
#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"

namespace tcptune {

namespace {

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string known_list(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < 60; ++i) out += (i == 0 ? "" : ", ") + v[i];
  return out;
}

}  // namespace

const std::vector<std::string>& census_metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n = {
        "total",
        "listeners",
        "inbound",               // server-side connections (LISTEN excluded)
        "inbound_remote",        // ... from non-loopback peers
        "outbound",              // client-side connections
        "outbound_remote",       // ... to non-loopback destinations
        "destinations",          // client-side groups (local, remote, remote port)
        "service_ports",         // distinct remote ports of non-loopback client-side groups
        "server_time_wait",      // TIME_WAIT on listening ports: this host closed first
        "client_time_wait",      // TIME_WAIT on outgoing connections
        "server_time_wait_pct",  // share of TIME_WAIT on listening ports
        "server_closes_per_s",   // server_time_wait / 60
        "client_closes_per_s",   // client_time_wait / 60
        "time_wait_pool",        // TIME_WAIT + orphaned FIN_WAIT2 (what tcp_max_tw_buckets caps)
        "orphan_fin_wait2",
        "port_capacity",      // usable ports per destination and source address
        "min_headroom_pct",   // the smallest headroom of any client-side group
        "worst.destination",  // that group, "10.0.0.5:3306"
        "worst.source",       // its local address
        "worst.ports_in_use",
        "worst.time_wait",
        "worst.closes_per_s",
        "worst.loopback",  // 1 when the group is loopback traffic
        "top_tw.destination",
        "top_tw.time_wait",
        "top_tw.closes_per_s",
        "top_tw.loopback",
        "top_close_wait.where",  // where CLOSE_WAIT piles up most ("port 8080", "to 10.0.0.5:3306")
        "top_close_wait.count",
        "top_server_tw.port",  // the listening port with the most TIME_WAIT
        "top_server_tw.count",
        "listen_queue_full",             // listeners whose accept queue is at its maximum
        "listen_queue_max_pct",          // the fullest accept queue, in % of its maximum
        "listen_queue_fullest",          // that listener's address:port
        "listen_queue_fullest_backlog",  // its backlog: min(listen() backlog, somaxconn)
        "listening_in_range",            // listening ports inside ip_local_port_range
        "rate_source",                   // "measured" (two snapshots) or "lower bound" (one)
        "sample_seconds",                // the sampling window (0: one snapshot)
        "worst.connects_per_s",
        "exhaustion.seconds",  // the soonest a destination runs out of ports (absent: none)
        "exhaustion.destination",
        "exhaustion.source",
        "exhaustion.ports_per_s",  // its net port consumption
        "exhaustion.connects_per_s",
        "exhaustion.ports_in_use",
        "exhaustion.loopback",
        "counters_since",  // "boot" or "the namespace was created"
        "top_tw.port",
        "top_tw.service",  // "MySQL (database)", from rules/services.toml, or "port N"
        "top_tw.fix",      // the fix that fits that service
        "top_server_tw.service",
        "top_server_tw.fix",
    };
    // Per second over the window (two snapshots): the census's own list of rated counters.
    for (const std::string& c : rated_counters()) n.push_back("rates." + c.substr(c.find('.') + 1));
    for (int s = 1; s <= 11; ++s) n.push_back("states." + std::string(state_name(s)));
    return n;
  }();
  return names;
}

const std::vector<std::string>& counter_fact_names() {
  static const std::vector<std::string> names = {"TcpExt.TW",
                                                 "TcpExt.TWRecycled",
                                                 "TcpExt.TWKilled",
                                                 "TcpExt.TCPTimeWaitOverflow",
                                                 "TcpExt.PAWSPassive",
                                                 "TcpExt.PAWSEstab",
                                                 "TcpExt.PAWSActive",
                                                 "TcpExt.ListenOverflows",
                                                 "TcpExt.ListenDrops",
                                                 "TcpExt.TCPAbortOnMemory",
                                                 "TcpExt.TCPAbortOnTimeout",
                                                 "TcpExt.SyncookiesSent",
                                                 "TcpExt.SyncookiesRecv",
                                                 "TcpExt.SyncookiesFailed",
                                                 "TcpExt.TCPReqQFullDrop",
                                                 "TcpExt.TCPReqQFullDoCookies",
                                                 "TcpExt.TCPDeferAcceptDrop",
                                                 "TcpExt.TCPOrphanQueued",
                                                 "Tcp.ActiveOpens",
                                                 "Tcp.PassiveOpens",
                                                 "Tcp.CurrEstab",
                                                 "Tcp.AttemptFails",
                                                 "Tcp.EstabResets",
                                                 "Tcp.RetransSegs",
                                                 "Tcp.InErrs",
                                                 "Tcp.OutRsts"};
  return names;
}

const std::vector<std::string>& sockstat_fact_names() {
  static const std::vector<std::string> names = {"TCP.inuse", "TCP.orphan", "TCP.tw",
                                                 "TCP.alloc", "TCP.mem",    "TCP6.inuse"};
  return names;
}

const std::vector<std::string>& host_fact_names() {
  static const std::vector<std::string> names = {"initial_netns", "containers"};
  return names;
}

const std::vector<std::string>& config_fact_names() {
  static const std::vector<std::string> names = {"sysctl_conf_unread"};
  return names;
}

const std::vector<std::string>& derived_fact_names() {
  static const std::vector<std::string> names = {"port_range.low", "port_range.high",
                                                 "port_range.size", "port_range.same_parity"};
  return names;
}

Result<FactRef, std::string> parse_fact_ref(std::string_view text, const Catalog& keys,
                                            bool allow_each) {
  FactRef ref;
  ref.text = std::string(text);
  std::string_view t = text;
  if (t == "kernel") {
    ref.kind = FactKind::kernel;
    return ref;
  }
  if (t == "profile") {
    ref.kind = FactKind::profile;
    return ref;
  }
  std::size_t dot = t.find('.');
  if (dot == std::string_view::npos) {
    return "unknown fact '" + std::string(text) +
           "' (expected live.KEY, persisted.KEY, assigned.KEY, default.KEY, netns.KEY, "
           "netns_init.KEY, kernel, census.METRIC, counter.NAME, sockstat.NAME, profile, "
           "host.NAME, config.NAME or derived.NAME)";
  }
  std::string_view ns = t.substr(0, dot);
  std::string_view rest = t.substr(dot + 1);
  auto named = [&](FactKind kind, const std::vector<std::string>& known,
                   const char* what) -> Result<FactRef, std::string> {
    if (!contains(known, rest)) {
      std::string msg = "unknown " + std::string(what) + " '" + std::string(rest) + "'";
      std::string near = did_you_mean(rest, known);
      if (!near.empty()) msg += " (did you mean '" + near + "'?)";
      return msg + "; known: " + known_list(known);
    }
    ref.kind = kind;
    ref.path = std::string(rest);
    return ref;
  };
  if (ns == "census") return named(FactKind::census, census_metric_names(), "census metric");
  if (ns == "counter") return named(FactKind::counter, counter_fact_names(), "counter");
  if (ns == "sockstat") return named(FactKind::sockstat, sockstat_fact_names(), "sockstat field");
  if (ns == "host") return named(FactKind::host, host_fact_names(), "host fact");
  if (ns == "config") return named(FactKind::config, config_fact_names(), "config fact");
  if (ns == "derived") return named(FactKind::derived, derived_fact_names(), "derived fact");

  static const std::pair<const char*, FactKind> key_kinds[] = {
      {"live", FactKind::live},         {"persisted", FactKind::persisted},
      {"assigned", FactKind::assigned}, {"default", FactKind::default_},
      {"netns", FactKind::netns},       {"netns_init", FactKind::netns_init},
      {"boot", FactKind::boot}};
  const FactKind* kind = nullptr;
  for (const auto& [name, k] : key_kinds) {
    if (ns == name) kind = &k;
  }
  if (kind == nullptr)
    return "unknown fact namespace '" + std::string(ns) + "' in '" + ref.text + "'";
  ref.kind = *kind;
  std::string_view key = rest;
  if (!key.empty() && key.back() == ']') {
    std::size_t open = key.rfind('[');
    if (open == std::string_view::npos) return "unbalanced ']' in '" + ref.text + "'";
    std::optional<std::int64_t> i = parse_kernel_int(key.substr(open + 1, key.size() - open - 2));
    if (!i || *i < 0 || *i > 15) return "bad field index in '" + ref.text + "'";
    if (ref.kind != FactKind::live && ref.kind != FactKind::persisted &&
        ref.kind != FactKind::default_)
      return "a field index only applies to live, persisted and default values: '" + ref.text + "'";
    ref.index = static_cast<int>(*i);
    key = key.substr(0, open);
  }
  if (key == "$") {
    if (!allow_each) return "'$' is only allowed in a rule with foreach: '" + ref.text + "'";
    ref.each = true;
    return ref;
  }
  NormalizedKey nk = normalize_key(key);
  std::string path = nk.path;
  if (nk.problem != KeyProblem::none || nk.glob || keys.find(path) == nullptr) {
    std::string msg = "unknown key '" + std::string(key) + "' in '" + ref.text + "'";
    std::string near = did_you_mean(key, keys.names());
    if (!near.empty()) msg += " (did you mean '" + near + "'?)";
    return msg;
  }
  ref.path = path;
  return ref;
}

std::optional<FactValue> value_fact(const std::string& raw, std::optional<int> index) {
  std::string norm(trim(raw));
  std::vector<std::string_view> fields = split_ws(norm);
  if (index) {
    if (static_cast<std::size_t>(*index) >= fields.size()) return std::nullopt;
    std::string_view f = fields[static_cast<std::size_t>(*index)];
    if (auto i = parse_kernel_int(f)) return FactValue{*i};
    return FactValue{std::string(f)};
  }
  if (fields.size() == 1) {
    if (auto i = parse_kernel_int(fields[0])) return FactValue{*i};
  }
  std::vector<std::string> parts(fields.begin(), fields.end());
  return FactValue{join(parts, " ")};
}

std::string fact_text(const FactValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[64];
    if (std::fabs(*d) >= 100) {
      std::snprintf(buf, sizeof buf, "%.0f", *d);
    } else {
      std::snprintf(buf, sizeof buf, "%.1f", *d);
    }
    return buf;
  }
  if (const auto* k = std::get_if<KernelVersion>(&v)) return k->str();
  return std::get<std::string>(v);
}

EvidenceValue to_evidence(const FactValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return std::round(*d * 100) / 100;
  if (const auto* k = std::get_if<KernelVersion>(&v)) return k->str();
  return std::get<std::string>(v);
}

}  // namespace tcptune
