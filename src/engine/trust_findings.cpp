#include "engine/trust_findings.hpp"

#include <cstdio>
#include <string>

#include "core/text_util.hpp"

namespace tcptune {

namespace {

std::string why(const TrustProblem& t) {
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", t.mode & 07777u);
  switch (t.reason) {
    case TrustProblem::Reason::writable_by_all:
      return cat("is writable by every user (mode ", mode, ")");
    case TrustProblem::Reason::writable_by_group:
      return cat("is writable by group ", std::to_string(t.gid), " (mode ", mode, ")");
    case TrustProblem::Reason::foreign_owner:
      return cat("is owned by uid ", std::to_string(t.uid), ", not root");
  }
  return "";
}

}  // namespace

std::vector<Finding> trust_findings(const ConfigSet& set, const CheckCatalog& checks) {
  std::vector<Finding> out;
  for (const TrustProblem& t : set.trust) {
    Finding f;
    f.file = t.path;
    if (t.target == TrustProblem::Target::directory) {
      f.code = "TT5008";
      f.message = cat("directory ", why(t), ": that user could add or replace files in ",
                      t.config_dir, " that are applied as root at boot");
    } else {
      f.code = "TT5009";
      f.message = cat("file ", why(t), ": its settings are applied as root at boot");
    }
    if (const CheckInfo* info = checks.find(f.code)) f.severity = info->severity;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace tcptune
