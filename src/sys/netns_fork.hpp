#pragma once
/// Running a piece of work inside another network namespace without leaving this one: the work
/// runs in a forked child that setns()es into the namespace and hands its result back through
/// a pipe. The calling process, and the host, stay where they were.

#include <functional>
#include <string>

#include "core/result.hpp"

namespace tcptune {

struct NetnsChildResult {
  std::string payload;  ///< what `body` returned
  bool timed_out = false;
};

/// Forks; the child opens `ns_path`, setns(CLONE_NEWNET) into it, runs `body` and writes what
/// it returns to a pipe, then _exit()s. Flush buffered output before calling (the child must
/// not repeat it). Fails with the child's errno when it could not enter the namespace (ENOENT:
/// the namespace is gone; EPERM: not allowed, e.g. a namespace owned by another user namespace), or
/// when fork, pipe or the child itself fails, and when it is still running after `timeout_seconds`
/// (it is then killed).
Result<NetnsChildResult> run_in_netns(const std::string& ns_path,
                                      const std::function<std::string()>& body,
                                      int timeout_seconds);

}  // namespace tcptune
