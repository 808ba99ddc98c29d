#include "engine/advisor.hpp"

#include <algorithm>
#include <map>

#include "census/socket_record.hpp"

namespace tcptune {

namespace {

std::string port_list(const std::map<std::uint16_t, std::uint64_t>& ports) {
  std::vector<std::pair<std::uint64_t, std::uint16_t>> v;
  for (const auto& [p, n] : ports) v.emplace_back(n, p);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < 4; ++i) {
    out += (i == 0 ? "" : ", ") + std::to_string(v[i].second);
  }
  if (v.size() > 4) out += " and " + std::to_string(v.size() - 4) + " more";
  return out;
}

}  // namespace

Detection detect_profile(const CensusReport* census, const Catalog& services) {
  if (census == nullptr) return {"base", "no socket census (--no-sockets), so no workload to read"};
  const CensusAggregator& s = census->sockets;
  auto kind_of = [&](std::uint16_t port) {
    const Service* svc = services.service(port);
    return svc == nullptr ? std::string() : svc->kind;
  };
  auto is_data = [&](std::uint16_t port) {
    std::string k = kind_of(port);
    return k == "database" || k == "cache" || k == "queue";
  };
  auto is_backend = [&](std::uint16_t port) {
    std::string k = kind_of(port);
    return k == "fastcgi" || k == "web";
  };
  std::uint64_t inbound = s.server_connections() - s.server_local();
  std::uint64_t outbound = 0;
  std::uint64_t local = 0;
  std::uint64_t db_outbound = 0;
  std::uint64_t backend_outbound = 0;
  std::map<std::uint16_t, std::uint64_t> service_ports;
  std::map<std::uint16_t, std::uint64_t> listen_ports;
  double worst_headroom = 100;
  bool worst_is_db = false;
  std::int64_t cap = census->port_capacity();
  for (const Destination& d : s.destinations()) {
    outbound += d.sockets;
    if (s.is_local_peer(d.key.remote, d.key.v4)) local += d.sockets;
    service_ports[d.key.remote_port] += d.sockets;
    if (is_data(d.key.remote_port)) db_outbound += d.sockets;
    if (is_backend(d.key.remote_port)) backend_outbound += d.sockets;
    double h = headroom_pct(cap, d.sockets);
    if (h < worst_headroom) {
      worst_headroom = h;
      worst_is_db = is_data(d.key.remote_port);
    }
  }
  for (const PortUse& p : s.server_ports()) {
    std::uint64_t n = 0;
    for (std::size_t st = 1; st < p.states.size(); ++st) n += p.states[st];
    n -= std::min(n, p.loopback);
    if (n > 0) listen_ports[p.port] = n;
  }
  std::string counts = std::to_string(inbound) + " inbound connection" + (inbound == 1 ? "" : "s") +
                       " from remote peers, " + std::to_string(outbound) + " outbound";
  if (local > 0) counts += " (" + std::to_string(local) + " of them local, on loopback)";
  bool db_dominated = outbound > 0 && db_outbound * 2 > outbound;
  if (!db_dominated &&
      (outbound >= 10000 || (outbound > 0 && worst_headroom < 20 && !worst_is_db))) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", worst_headroom);
    return {"load-tester", "detected load-tester: " + counts + " to port" +
                               (service_ports.size() == 1 ? " " : "s ") + port_list(service_ports) +
                               ", the busiest destination has " + buf + " % port headroom left"};
  }
  if (outbound >= 100 && service_ports.size() <= 5 && outbound > inbound) {
    if (backend_outbound * 2 > outbound) {
      return {"web", "detected web: " + counts + ", mostly to FastCGI or web backend port" +
                         (service_ports.size() == 1 ? " " : "s ") + port_list(service_ports) +
                         " (a proxy in front of its backends)"};
    }
    return {"db-client", "detected db-client: " + counts + ", all to service port" +
                             (service_ports.size() == 1 ? " " : "s ") + port_list(service_ports)};
  }
  if (inbound >= 100) {
    return {"web", "detected web: " + counts + "; connections on listening port" +
                       (listen_ports.size() == 1 ? " " : "s ") + port_list(listen_ports)};
  }
  return {"base", "no dominant workload (" + counts + "): the base profile"};
}

}  // namespace tcptune
