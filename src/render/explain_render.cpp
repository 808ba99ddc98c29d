#include "render/explain_render.hpp"

#include <nlohmann/json.hpp>

#include "render/findings_render.hpp"

namespace tcptune {

std::string render_rules_json(const CheckCatalog& checks) {
  Json arr = Json::array();
  for (const auto& [code, c] : checks.all()) {
    arr.push_back({{"code", c.code},
                   {"name", c.name},
                   {"severity", to_string(c.severity)},
                   {"title", c.title}});
  }
  return dump_json(Json{{"schema", "tcptune.rules/1"}, {"rules", arr}});
}

std::string render_profiles_json(const std::vector<Profile>& profiles) {
  Json arr = Json::array();
  for (const Profile& p : profiles) {
    arr.push_back({{"name", p.name},
                   {"extends", p.extends.empty() ? Json(nullptr) : Json(p.extends)},
                   {"origin", p.origin},
                   {"file", p.file},
                   {"summary", p.summary},
                   {"settings", p.settings.size()}});
  }
  return dump_json(Json{{"schema", "tcptune.profiles/1"}, {"profiles", arr}});
}

std::string render_profile_json(const ResolvedProfile& p) {
  Json arr = Json::array();
  for (const ProfileSetting& s : p.settings) {
    arr.push_back({{"key", s.key},
                   {"op", std::string(to_string(s.op))},
                   {"value", s.op == TargetOp::absent ? Json(nullptr) : Json(s.value)},
                   {"kernel", s.kernel ? Json(s.kernel->text) : Json(nullptr)},
                   {"rationale", s.rationale},
                   {"reference", s.reference},
                   {"from", s.profile},
                   {"source", s.source}});
  }
  return dump_json(Json{{"schema", "tcptune.profile/1"},
                        {"name", p.name},
                        {"summary", p.summary},
                        {"chain", p.chain},
                        {"settings", arr}});
}

}  // namespace tcptune
