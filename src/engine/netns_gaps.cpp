#include "engine/netns_gaps.hpp"

#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"

namespace tcptune {

namespace {

std::string collapsed(std::string_view v) {
  std::string out;
  for (std::string_view w : split_ws(v)) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

}  // namespace

std::vector<std::string> per_netns_persisted_keys(
    const Catalog& keys, const std::map<std::string, PersistedValue>& persisted) {
  std::vector<std::string> out;
  for (const auto& [path, v] : persisted) {
    const KeyInfo* k = keys.find(path);
    if (k != nullptr && k->netns == NetnsScope::per_namespace) out.push_back(path);
  }
  return out;
}

std::vector<NetnsGap> netns_gaps(const Catalog& keys,
                                 const std::map<std::string, PersistedValue>& persisted,
                                 const std::map<std::string, std::string>& ns_live) {
  std::vector<NetnsGap> out;
  for (const auto& [path, live] : ns_live) {
    auto p = persisted.find(path);
    const KeyInfo* k = keys.find(path);
    if (p == persisted.end() || k == nullptr || k->netns != NetnsScope::per_namespace) continue;
    if (collapsed(p->second.value) == collapsed(live)) continue;
    NetnsGap g;
    g.key = path_to_key(path);
    g.path = path;
    g.host_value = collapsed(p->second.value);
    g.file = p->second.at.file;
    g.line = p->second.at.line;
    g.ns_value = collapsed(live);
    g.netns_init = k->netns_init;
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace tcptune
