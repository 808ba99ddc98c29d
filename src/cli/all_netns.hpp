#pragma once
/// `--all-netns` for check and sockets: the command runs once in every network namespace of
/// the host (each in a forked child that enters it; this process never changes namespace), and
/// one report gathers the sections, a summary and the host tuning the namespaces do not get.

#include <string>
#include <vector>

#include "cli/context.hpp"
#include "core/finding.hpp"

namespace tcptune {

using CommandFn = int (*)(Context&, const std::vector<std::string>&);

/// Runs `fn` with `args` (without --all-netns) in every namespace list_network_namespaces
/// finds. Text, JSON (tcptune.netns/1) or Prometheus (a netns label on every series). Exit: 3 when
/// a namespace could not be entered (other than one that vanished), else the worst of the
/// per-namespace exit codes, and for check at least 1 when host tuning does not reach a namespace
/// and `gaps_fail`.
int run_all_netns(Context& ctx, const std::string& command, CommandFn fn,
                  const std::vector<std::string>& args, bool gaps_fail);

/// `args` without the first "--all-netns".
std::vector<std::string> without_all_netns(const std::vector<std::string>& args);

}  // namespace tcptune
