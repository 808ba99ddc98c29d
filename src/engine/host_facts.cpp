#include "engine/host_facts.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>

#include "census/socket_record.hpp"
#include "core/sysctl_key.hpp"
#include "core/sysctl_value.hpp"
#include "core/text_util.hpp"
#include "engine/value_check.hpp"

namespace tcptune {

namespace {

constexpr int k_time_wait_seconds = 60;  // TCP_TIMEWAIT_LEN, fixed (docs/facts.md#time-wait-length)

}  // namespace

std::optional<std::string> KernelCmdline::boot_value(
    std::string_view path, const std::optional<KernelVersion>& kernel) const {
  // The settings that had a command-line parameter before sysctl.KEY= (sysctl_aliases[]).
  static constexpr std::pair<std::string_view, std::string_view> k_aliases[] = {
      {"kernel/hardlockup_all_cpu_backtrace", "hardlockup_all_cpu_backtrace"},
      {"kernel/hung_task_panic", "hung_task_panic"},
      {"vm/numa_zonelist_order", "numa_zonelist_order"},
      {"kernel/softlockup_all_cpu_backtrace", "softlockup_all_cpu_backtrace"},
  };
  if (!kernel || *kernel >= KernelVersion{5, 8, 0}) {
    if (auto it = sysctl.find(path); it != sysctl.end()) return it->second;
  }
  std::string_view name;
  for (const auto& [key, alias] : k_aliases) {
    if (path == key) name = alias;
  }
  if (name.empty() && path.rfind("kernel/", 0) == 0 && path.find('/', 7) == std::string::npos)
    name = path.substr(7);
  if (name.empty()) return std::nullopt;
  // An empty value sets nothing (the parameter's parser refuses it).
  if (auto it = params.find(name); it != params.end() && !it->second.empty()) return it->second;
  return std::nullopt;
}

KernelCmdline parse_kernel_cmdline(std::string_view text) {
  KernelCmdline out;
  // next_arg() cuts the words in place with NULs; the same here, on a copy that ends at the
  // first NUL as the kernel's string does.
  std::string buf(text.substr(0, text.find('\0')));
  buf.push_back('\0');
  char* args = buf.data();
  auto skip_spaces = [](char* p) {
    while (kernel_isspace(*p)) ++p;
    return p;
  };
  args = skip_spaces(args);
  while (*args != '\0') {
    bool in_quote = false;
    bool quoted = false;
    if (*args == '"') {
      ++args;
      in_quote = quoted = true;
    }
    std::size_t i = 0;
    std::size_t equals = 0;
    for (; args[i] != '\0'; ++i) {
      if (kernel_isspace(args[i]) && !in_quote) break;
      if (equals == 0 && args[i] == '=') equals = i;
      if (args[i] == '"') in_quote = !in_quote;
    }
    char* param = args;
    char* val = nullptr;
    if (equals != 0) {
      args[equals] = '\0';
      val = args + equals + 1;
      if (*val == '"') {
        ++val;
        if (args[i - 1] == '"') args[i - 1] = '\0';
      }
    }
    if (quoted && i > 0 && args[i - 1] == '"') args[i - 1] = '\0';
    if (args[i] != '\0') {
      args[i] = '\0';
      args += i + 1;
    } else {
      args += i;
    }
    args = skip_spaces(args);
    if (val == nullptr && std::strcmp(param, "--") == 0) break;  // init's arguments follow
    if (val == nullptr) continue;
    const std::string_view name(param);
    if (name.size() > 7 && name.compare(0, 6, "sysctl") == 0 &&
        (name[6] == '.' || name[6] == '/')) {
      if (*val == '\0') continue;  // an empty value is refused (EINVAL), not written
      std::string path(name.substr(7));
      std::replace(path.begin(), path.end(), '.', '/');
      out.sysctl[path] = val;
    } else {
      out.params[std::string(name)] = val;
    }
  }
  return out;
}

std::map<std::string, FactValue> census_metrics(const CensusReport& rep) {
  std::map<std::string, FactValue> m;
  const CensusAggregator& s = rep.sockets;
  auto i64 = [](std::uint64_t v) { return FactValue{static_cast<std::int64_t>(v)}; };
  m["total"] = i64(s.total());
  for (int st = 1; st <= 11; ++st) {
    m["states." + std::string(state_name(st))] = i64(s.state_total(st));
  }
  m["listeners"] = i64(s.listeners().size());
  m["inbound"] = i64(s.server_connections());
  m["inbound_remote"] = i64(s.server_connections() - s.server_local());
  std::vector<Destination> dests = s.destinations();
  std::uint64_t outbound = 0;
  std::uint64_t outbound_remote = 0;
  std::set<std::uint16_t> service_ports;
  for (const Destination& d : dests) {
    outbound += d.sockets;
    if (!s.is_local_peer(d.key.remote, d.key.v4)) {
      outbound_remote += d.sockets;
      service_ports.insert(d.key.remote_port);
    }
  }
  m["outbound"] = i64(outbound);
  m["outbound_remote"] = i64(outbound_remote);
  m["destinations"] = i64(dests.size());
  m["service_ports"] = i64(service_ports.size());
  std::uint64_t tw = s.server_time_wait() + s.client_time_wait();
  m["server_time_wait"] = i64(s.server_time_wait());
  m["client_time_wait"] = i64(s.client_time_wait());
  if (tw > 0)
    m["server_time_wait_pct"] =
        FactValue{100.0 * static_cast<double>(s.server_time_wait()) / static_cast<double>(tw)};
  // Measured over the sampling window when there were two snapshots; else TIME_WAIT / 60, a
  // lower bound (reuse, the bucket cap and the passive side of a close hide connections).
  const bool measured = rep.sample.two_snapshots;
  m["rate_source"] = FactValue{std::string(measured ? "measured" : "lower bound")};
  m["sample_seconds"] = FactValue{measured ? rep.sample.seconds : 0.0};
  double server_closes = 0;
  for (const PortUse& p : s.server_ports()) server_closes += rep.rate_of(p).closes_per_s;
  double client_closes = 0;
  for (const Destination& d : dests) client_closes += rep.rate_of(d).closes_per_s;
  if (!measured) {
    server_closes = static_cast<double>(s.server_time_wait()) / k_time_wait_seconds;
    client_closes = static_cast<double>(s.client_time_wait()) / k_time_wait_seconds;
  }
  m["server_closes_per_s"] = FactValue{server_closes};
  m["client_closes_per_s"] = FactValue{client_closes};
  for (const auto& [name, per_s] : rep.rates) m["rates." + name] = FactValue{per_s};
  // Seconds until the first destination runs out of ports, at its measured net consumption.
  const Destination* soonest = nullptr;
  GroupRate soonest_rate;
  for (const Destination& d : dests) {
    GroupRate g = rep.rate_of(d);
    if (!g.seconds_to_exhaustion) continue;
    if (soonest == nullptr || *g.seconds_to_exhaustion < *soonest_rate.seconds_to_exhaustion) {
      soonest = &d;
      soonest_rate = g;
    }
  }
  if (soonest != nullptr) {
    m["exhaustion.seconds"] = FactValue{*soonest_rate.seconds_to_exhaustion};
    m["exhaustion.destination"] =
        FactValue{endpoint_text(soonest->key.remote, soonest->key.v4, soonest->key.remote_port)};
    m["exhaustion.source"] = FactValue{address_text(soonest->key.local, soonest->key.v4)};
    m["exhaustion.ports_per_s"] = FactValue{soonest_rate.ports_per_s};
    m["exhaustion.connects_per_s"] = FactValue{soonest_rate.connects_per_s};
    m["exhaustion.ports_in_use"] = i64(soonest->sockets);
    m["exhaustion.loopback"] =
        FactValue{std::int64_t{is_loopback(soonest->key.remote, soonest->key.v4) ? 1 : 0}};
  }
  m["time_wait_pool"] = i64(s.timewait_pool());
  m["orphan_fin_wait2"] = i64(s.orphan_fin_wait2());
  std::int64_t cap = rep.port_capacity();
  m["port_capacity"] = FactValue{cap};
  if (!dests.empty()) {
    const Destination& w = dests.front();  // the largest group: the least headroom
    m["min_headroom_pct"] = FactValue{headroom_pct(cap, w.sockets)};
    m["worst.destination"] = FactValue{endpoint_text(w.key.remote, w.key.v4, w.key.remote_port)};
    m["worst.source"] = FactValue{address_text(w.key.local, w.key.v4)};
    m["worst.ports_in_use"] = i64(w.sockets);
    m["worst.time_wait"] = i64(count_of(w.states, TcpState::time_wait));
    m["worst.closes_per_s"] = FactValue{rep.rate_of(w).closes_per_s};
    m["worst.connects_per_s"] = FactValue{rep.rate_of(w).connects_per_s};
    m["worst.loopback"] = FactValue{std::int64_t{is_loopback(w.key.remote, w.key.v4) ? 1 : 0}};
  }
  const Destination* top_tw = nullptr;
  for (const Destination& d : dests) {
    if (count_of(d.states, TcpState::time_wait) > 0 &&
        (top_tw == nullptr ||
         count_of(d.states, TcpState::time_wait) > count_of(top_tw->states, TcpState::time_wait)))
      top_tw = &d;
  }
  if (top_tw != nullptr) {
    m["top_tw.destination"] =
        FactValue{endpoint_text(top_tw->key.remote, top_tw->key.v4, top_tw->key.remote_port)};
    m["top_tw.time_wait"] = i64(count_of(top_tw->states, TcpState::time_wait));
    m["top_tw.closes_per_s"] = FactValue{rep.rate_of(*top_tw).closes_per_s};
    m["top_tw.port"] = i64(top_tw->key.remote_port);
    m["top_tw.loopback"] =
        FactValue{std::int64_t{is_loopback(top_tw->key.remote, top_tw->key.v4) ? 1 : 0}};
  }
  // CLOSE_WAIT: per listening port (server side) or per destination (client side).
  std::string cw_where;
  std::uint64_t cw_count = 0;
  std::string tw_port;
  std::uint64_t tw_count = 0;
  for (const PortUse& p : s.server_ports()) {
    if (count_of(p.states, TcpState::close_wait) > cw_count) {
      cw_count = count_of(p.states, TcpState::close_wait);
      cw_where = "port " + std::to_string(p.port);
    }
    if (count_of(p.states, TcpState::time_wait) > tw_count) {
      tw_count = count_of(p.states, TcpState::time_wait);
      tw_port = std::to_string(p.port);
    }
  }
  for (const Destination& d : dests) {
    if (count_of(d.states, TcpState::close_wait) > cw_count) {
      cw_count = count_of(d.states, TcpState::close_wait);
      cw_where = "to " + endpoint_text(d.key.remote, d.key.v4, d.key.remote_port);
    }
  }
  if (cw_count > 0) {
    m["top_close_wait.where"] = FactValue{cw_where};
    m["top_close_wait.count"] = i64(cw_count);
  }
  if (tw_count > 0) {
    m["top_server_tw.port"] = FactValue{tw_port};
    m["top_server_tw.count"] = i64(tw_count);
  }
  std::int64_t full = 0;
  double max_pct = 0;
  const Listener* fullest = nullptr;
  std::set<std::uint16_t> in_range;
  for (const Listener& l : s.listeners()) {
    if (l.queue_max > 0) {
      if (l.queue >= l.queue_max) ++full;
      const double pct = 100.0 * l.queue / l.queue_max;
      if (fullest == nullptr || pct > max_pct) {
        max_pct = pct;
        fullest = &l;
      }
    }
    if (l.port >= rep.range.low && l.port <= rep.range.high) in_range.insert(l.port);
  }
  m["listen_queue_full"] = FactValue{full};
  if (fullest != nullptr) {
    m["listen_queue_max_pct"] = FactValue{max_pct};
    m["listen_queue_fullest"] =
        FactValue{endpoint_text(fullest->address, fullest->v4, fullest->port)};
    m["listen_queue_fullest_backlog"] = i64(fullest->queue_max);
  }
  m["listening_in_range"] = i64(in_range.size());
  return m;
}

HostFacts::HostFacts(HostFactsInput in)
    : m_in(std::move(in)), m_cmdline(parse_kernel_cmdline(m_in.cmdline)) {
  if (m_in.census != nullptr) {
    m_metrics = census_metrics(*m_in.census);
    // The kernel's counters start with the network namespace: at boot only in the initial one.
    bool other_ns = m_in.initial_netns.has_value() && !*m_in.initial_netns;
    m_metrics["counters_since"] =
        FactValue{std::string(other_ns ? "the namespace was created" : "boot")};
    // The service on the port concerned, and the fix that fits it (rules/services.toml).
    auto service_facts = [&](const char* port_metric, const std::string& prefix) {
      auto it = m_metrics.find(port_metric);
      if (it == m_metrics.end() || m_in.keys == nullptr) return;
      std::int64_t port = 0;
      if (const auto* i = std::get_if<std::int64_t>(&it->second)) port = *i;
      if (const auto* t = std::get_if<std::string>(&it->second)) port = std::atoi(t->c_str());
      const Service* svc = m_in.keys->service(static_cast<int>(port));
      std::string fix = svc != nullptr ? svc->fix : m_in.keys->kind_fix("other");
      if (fix.empty()) return;
      m_metrics[prefix + ".service"] = FactValue{svc != nullptr ? svc->name + " (" + svc->kind + ")"
                                                                : "port " + std::to_string(port)};
      m_metrics[prefix + ".fix"] = FactValue{fix};
    };
    service_facts("top_tw.port", "top_tw");
    service_facts("top_server_tw.port", "top_server_tw");
  }
}

std::string HostFacts::canonical(const std::string& path, const std::string& raw) const {
  // Port lists compare as sets: "9000-9010,8080" is what the kernel prints as "8080,9000-9010".
  // A plain decimal without a leading zero is its own canonical form whatever the key's type
  // (one port, or not a port at all): most values are, and they need no catalog entry read.
  const bool plain_decimal =
      !raw.empty() && raw.size() <= 19 && (raw[0] != '0' || raw.size() == 1) &&
      std::all_of(raw.begin(), raw.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (plain_decimal) return raw;
  if (key_facts(path).type != KeyType::port_list) return raw;
  auto ranges = parse_port_list(raw);
  if (!ranges) return raw;
  std::sort(ranges->begin(), ranges->end());
  std::vector<std::pair<int, int>> merged;
  for (const auto& r : *ranges) {
    if (!merged.empty() && r.first <= merged.back().second + 1) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  std::string out;
  for (const auto& [lo, hi] : merged) {
    if (!out.empty()) out += ',';
    out += std::to_string(lo);
    if (hi != lo) out += cat("-", std::to_string(hi));
  }
  return out;
}

const HostFacts::KeyFacts& HostFacts::key_facts(const std::string& path) const {
  auto it = m_key_facts.find(path);
  if (it != m_key_facts.end()) return it->second;
  KeyFacts f;
  std::optional<KeyInfo> info =
      m_in.keys != nullptr ? m_in.keys->facts_of(path) : std::optional<KeyInfo>();
  if (info) {
    f.known = true;
    f.type = info->type;
    f.generated = info->generated;
    f.netns = info->netns;
    f.netns_init = std::move(info->netns_init);
    f.default_value = info->default_for(m_in.kernel);
  }
  return m_key_facts.emplace(path, std::move(f)).first->second;
}

std::optional<std::string> HostFacts::live_raw(const std::string& path) const {
  if (m_in.live == nullptr) return std::nullopt;
  auto it = m_live_cache.find(path);
  if (it != m_live_cache.end()) return it->second;
  KeyRead r = m_in.live->read(path);
  std::optional<std::string> v;
  if (r.status == KeyStatus::value) v = r.value;
  if (r.status == KeyStatus::error) m_live_errors.emplace(path, r.error.message());
  m_live_cache.emplace(path, v);
  return v;
}

std::optional<std::string> HostFacts::live_error(const std::string& path) const {
  (void)live_raw(path);
  auto it = m_live_errors.find(path);
  if (it == m_live_errors.end()) return std::nullopt;
  return it->second;
}

std::optional<FactValue> HostFacts::get(const FactRef& ref, const std::string& each) const {
  const std::string& path = ref.each ? each : ref.path;
  switch (ref.kind) {
    case FactKind::live: {
      std::optional<std::string> raw = live_raw(path);
      if (!raw) return std::nullopt;
      return value_fact(canonical(path, *raw), ref.index);
    }
    case FactKind::persisted: {
      auto it = m_in.persisted.find(path);
      if (it == m_in.persisted.end()) return std::nullopt;
      return value_fact(canonical(path, it->second.value), ref.index);
    }
    case FactKind::assigned: {
      auto it = m_in.persisted.find(path);
      if (it == m_in.persisted.end()) return std::nullopt;
      return FactValue{std::int64_t{it->second.assignments}};
    }
    case FactKind::default_:
    case FactKind::netns:
    case FactKind::netns_init: {
      const KeyFacts& info = key_facts(path);
      if (!info.known) return std::nullopt;
      if (ref.kind == FactKind::netns) {
        if (!info.netns) return std::nullopt;
        return FactValue{std::string(to_string(*info.netns))};
      }
      if (ref.kind == FactKind::netns_init) {
        return FactValue{info.netns_init.empty() ? std::string("default") : info.netns_init};
      }
      if (!info.default_value) return std::nullopt;
      return value_fact(*info.default_value, ref.index);
    }
    case FactKind::kernel:
      if (!m_in.kernel) return std::nullopt;
      return FactValue{*m_in.kernel};
    case FactKind::census: {
      auto it = m_metrics.find(ref.path);
      if (it == m_metrics.end()) return std::nullopt;
      return it->second;
    }
    case FactKind::counter: {
      if (m_in.census == nullptr) return std::nullopt;
      auto it = m_in.census->counters.find(ref.path);
      if (it == m_in.census->counters.end()) return std::nullopt;
      return FactValue{it->second};
    }
    case FactKind::sockstat: {
      if (m_in.census == nullptr) return std::nullopt;
      auto it = m_in.census->sockstat.find(ref.path);
      if (it == m_in.census->sockstat.end()) return std::nullopt;
      return FactValue{it->second};
    }
    case FactKind::profile:
      if (m_in.profile.empty()) return std::nullopt;
      return FactValue{m_in.profile};
    case FactKind::host:
      if (ref.path == "initial_netns") {
        if (!m_in.initial_netns) return std::nullopt;
        return FactValue{std::int64_t{*m_in.initial_netns ? 1 : 0}};
      }
      return FactValue{std::int64_t{m_in.containers ? 1 : 0}};
    case FactKind::config:
      return FactValue{std::int64_t{m_in.sysctl_conf_unread ? 1 : 0}};
    case FactKind::boot: {
      std::optional<std::string> v = m_cmdline.boot_value(path, m_in.kernel);
      if (!v) return std::nullopt;
      return value_fact(*v, ref.index);
    }
    case FactKind::derived: {
      std::optional<std::string> raw = live_raw("net/ipv4/ip_local_port_range");
      if (!raw) return std::nullopt;
      auto lo = value_fact(*raw, 0);
      auto hi = value_fact(*raw, 1);
      const auto* l = lo ? std::get_if<std::int64_t>(&*lo) : nullptr;
      const auto* h = hi ? std::get_if<std::int64_t>(&*hi) : nullptr;
      // Ports are 0..65535 (the kernel refuses anything else). A --root tree can hold any text;
      // values outside that range are no port range, and would overflow the size below.
      auto port = [](const std::int64_t* p) { return p != nullptr && *p >= 0 && *p <= 65535; };
      if (!port(l) || !port(h)) return std::nullopt;
      if (ref.path == "port_range.low") return FactValue{*l};
      if (ref.path == "port_range.high") return FactValue{*h};
      if (ref.path == "port_range.size") return FactValue{*h - *l + 1};
      return FactValue{std::int64_t{(*l % 2) == (*h % 2) ? 1 : 0}};
    }
  }
  return std::nullopt;
}

std::vector<std::string> HostFacts::keys(std::string_view domain) const {
  std::vector<std::string> out;
  if (domain == "persisted") {
    for (const auto& [path, v] : m_in.persisted) {
      const KeyFacts& info = key_facts(path);
      if (info.known && !info.generated) out.push_back(path);
    }
  } else if (m_in.keys != nullptr) {
    // Rules are written for the curated keys; the generated ones only describe the kernel.
    for (std::string& path : m_in.keys->curated_paths()) {
      if (live_raw(path)) out.push_back(std::move(path));
    }
  }
  return out;
}

std::optional<FactSource::Location> HostFacts::persisted_at(const std::string& path) const {
  auto it = m_in.persisted.find(path);
  if (it == m_in.persisted.end()) return std::nullopt;
  return it->second.at;
}

}  // namespace tcptune
