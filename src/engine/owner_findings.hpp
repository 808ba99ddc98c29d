#pragma once
/// Names the owners of the socket groups that findings are about: "… on port 8080, owned by
/// python3 (pid 4242, myapp.service): …". Pure: the census report carries the owners
/// (census/owner_sample), the rules say which group a finding rests on (its census evidence).

#include <vector>

#include "census/census.hpp"
#include "core/finding.hpp"
#include "engine/rules.hpp"

namespace tcptune {

/// The groups the census metrics single out, as host_facts computes them: "top_close_wait",
/// "top_tw", "top_server_tw", "worst", "exhaustion" → the group (absent when none).
std::vector<std::pair<std::string, GroupKey>> focus_groups(const CensusReport& rep);

/// For each finding whose rule's evidence names one of the focus groups, sets `owners` and
/// inserts the owners clause into the message (before its first ": ", else at the end).
/// CLOSE_WAIT findings name the holders of the CLOSE_WAIT sockets; TIME_WAIT ones the inferred
/// owners; the others the holders, else the inferred owners.
void annotate_owners(std::vector<Finding>& findings, const std::vector<Rule>& rules,
                     const CensusReport& rep);

}  // namespace tcptune
