#pragma once
/// Who can write the configuration root applies at boot, as findings: each TrustProblem that
/// config/ recorded on the ConfigSet becomes TT5008 (a directory, or one of its parents) or
/// TT5009 (a file), with the severity the check catalog (rules/lint.toml) gives the code.

#include <vector>

#include "config/sysctl_d_set.hpp"
#include "core/catalog.hpp"
#include "core/finding.hpp"

namespace tcptune {

/// One finding per problem, in the order config/ recorded them. A code the catalog does not
/// have keeps the default severity (warning).
std::vector<Finding> trust_findings(const ConfigSet& set, const CheckCatalog& checks);

}  // namespace tcptune
