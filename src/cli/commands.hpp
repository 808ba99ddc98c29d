#pragma once
/// One function per command; each parses its own options (Boost.ProgramOptions stays in cli/).

#include <string>
#include <vector>

#include "cli/context.hpp"

namespace tcptune {

int cmd_lint(Context& ctx, const std::vector<std::string>& args);
int cmd_explain(Context& ctx, const std::vector<std::string>& args);
int cmd_rules(Context& ctx, const std::vector<std::string>& args);
int cmd_sockets(Context& ctx, const std::vector<std::string>& args);
int cmd_debug(Context& ctx, const std::vector<std::string>& args);

}  // namespace tcptune
