#include "engine/owner_findings.hpp"

#include <algorithm>

namespace tcptune {

std::vector<std::pair<std::string, GroupKey>> focus_groups(const CensusReport& rep) {
  std::vector<std::pair<std::string, GroupKey>> out;
  const CensusAggregator& s = rep.sockets;
  const std::vector<Destination> dests = s.destinations();
  // The same choices as census_metrics (host_facts.cpp): strict maxima in the same order.
  std::optional<GroupKey> cw;
  std::uint64_t cw_count = 0;
  std::optional<GroupKey> server_tw;
  std::uint64_t tw_count = 0;
  for (const PortUse& p : s.server_ports()) {
    if (count_of(p.states, TcpState::close_wait) > cw_count) {
      cw_count = count_of(p.states, TcpState::close_wait);
      cw = server_group(p.port);
    }
    if (count_of(p.states, TcpState::time_wait) > tw_count) {
      tw_count = count_of(p.states, TcpState::time_wait);
      server_tw = server_group(p.port);
    }
  }
  for (const Destination& d : dests) {
    if (count_of(d.states, TcpState::close_wait) > cw_count) {
      cw_count = count_of(d.states, TcpState::close_wait);
      cw = client_group(d.key);
    }
  }
  if (cw) out.emplace_back("top_close_wait", *cw);
  if (server_tw) out.emplace_back("top_server_tw", *server_tw);
  const Destination* top_tw = nullptr;
  for (const Destination& d : dests) {
    if (count_of(d.states, TcpState::time_wait) > 0 &&
        (top_tw == nullptr ||
         count_of(d.states, TcpState::time_wait) > count_of(top_tw->states, TcpState::time_wait)))
      top_tw = &d;
  }
  if (top_tw != nullptr) out.emplace_back("top_tw", client_group(top_tw->key));
  if (!dests.empty()) out.emplace_back("worst", client_group(dests.front().key));
  const Destination* soonest = nullptr;
  double soonest_s = 0;
  for (const Destination& d : dests) {
    GroupRate g = rep.rate_of(d);
    if (!g.seconds_to_exhaustion) continue;
    if (soonest == nullptr || *g.seconds_to_exhaustion < soonest_s) {
      soonest = &d;
      soonest_s = *g.seconds_to_exhaustion;
    }
  }
  if (soonest != nullptr) out.emplace_back("exhaustion", client_group(soonest->key));
  return out;
}

namespace {

// The focus group a rule's evidence rests on, in order of specificity.
std::string rule_focus(const Rule& r) {
  static const char* const order[] = {"top_close_wait", "exhaustion", "top_tw", "top_server_tw",
                                      "worst"};
  for (const char* prefix : order) {
    const std::string p = std::string(prefix) + ".";
    for (const auto& [alias, ref] : r.evidence) {
      if (ref.kind == FactKind::census && ref.path.rfind(p, 0) == 0) return prefix;
    }
  }
  return "";
}

}  // namespace

void annotate_owners(std::vector<Finding>& findings, const std::vector<Rule>& rules,
                     const CensusReport& rep) {
  if (rep.owners.empty()) return;
  const auto focus = focus_groups(rep);
  for (Finding& f : findings) {
    auto rule =
        std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.code == f.code; });
    if (rule == rules.end()) continue;
    const std::string which = rule_focus(*rule);
    if (which.empty()) continue;
    auto g =
        std::find_if(focus.begin(), focus.end(), [&](const auto& p) { return p.first == which; });
    if (g == focus.end()) continue;
    const OwnersOfGroup* o = rep.owners_of(g->second);
    if (o == nullptr) continue;
    std::vector<SocketOwner> owners;
    if (which == "top_close_wait") {
      owners = !o->close_wait.empty() ? o->close_wait : o->holders;
    } else if (which == "top_tw" || which == "top_server_tw") {
      owners = o->time_wait;
    } else {
      owners = !o->holders.empty() ? o->holders : o->time_wait;
    }
    if (owners.empty()) continue;
    const std::string clause = owners_clause(owners);
    const std::size_t colon = f.message.find(": ");
    if (colon != std::string::npos) {
      f.message.insert(colon, clause);
    } else if (!f.message.empty() && f.message.back() == '.') {
      f.message.insert(f.message.size() - 1, clause);
    } else {
      f.message += clause;
    }
    f.owners = std::move(owners);
  }
}

}  // namespace tcptune
