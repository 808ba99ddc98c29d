#pragma once
/// `check --all-netns` / `sockets --all-netns`: one section per network namespace (the
/// command's own report for it), a summary table, and the host tuning that does not reach the
/// other namespaces, with the fix for each.

#include <map>
#include <string>
#include <vector>

#include "core/cgroup_owner.hpp"
#include "engine/netns_gaps.hpp"
#include "render/lint_render.hpp"
#include "render/style.hpp"

namespace tcptune {

struct NetnsSection {
  std::string name;  ///< "initial", the /run/netns name, a container label, "pid N (comm)"
  std::string path;  ///< what was entered
  std::string id;    ///< "dev:ino" of the namespace
  bool initial = false;
  bool named = false;  ///< under /run/netns
  std::size_t processes = 0;
  int first_pid = 0;
  std::string comm;
  CgroupOwner owner;
  std::string error;  ///< could not be entered or the work failed; empty when it ran
  bool gone = false;  ///< vanished before it could be entered (not an error)
  int exit_code = 0;  ///< the command's exit code in it
  std::string out;    ///< its report, in the requested format
  std::string err;    ///< what it wrote to stderr
  /// Numbers for the summary: "total", state names, "errors", "warnings", "infos", "changes".
  std::map<std::string, std::string> summary;
  std::vector<NetnsGap> gaps;  ///< empty for the initial namespace
};

struct AllNetnsReport {
  std::string command;  ///< "check" | "sockets"
  std::string version;
  std::vector<NetnsSection> sections;
  int exit_code = 0;
};

/// The command line that gives the namespace `s` the value of `g` (ip netns exec for a named
/// one, the runtime's --sysctl for a container, the Kubernetes pod field for a pod, nsenter
/// otherwise).
std::string netns_fix(const NetnsSection& s, const NetnsGap& g);

/// Text, JSON (schema tcptune.netns/1; each section's `report` is the command's own JSON) or
/// Prometheus (every namespace's series with a netns label, each family once, plus
/// tcptune_netns_info and tcptune_netns_sysctl_gap).
std::string render_all_netns(const AllNetnsReport& r, OutputFormat format, const Style& st);

}  // namespace tcptune
