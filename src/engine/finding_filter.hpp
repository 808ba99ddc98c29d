#pragma once
/// What a command shows of its findings: `--severity` (the lowest severity shown), `--include`
/// (only these codes), `--exclude`, and the per-path overrides of the configuration file.
/// Pure: no filesystem (a finding's file is made absolute against a given directory).

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/finding.hpp"

namespace tcptune {

struct CodeFilter {
  Severity min_severity = Severity::info;
  std::set<std::string> include;  ///< empty: every code
  std::set<std::string> exclude;
};

/// Settings for findings in files matching `patterns` (absolute fnmatch patterns, `*`
/// crossing '/'): each one present replaces the base filter's (exclude is added to it).
struct PathFilter {
  std::vector<std::string> patterns;
  std::optional<Severity> min_severity;
  std::optional<std::set<std::string>> include;
  std::set<std::string> exclude;
};

struct DisplayFilter {
  CodeFilter base;
  std::vector<PathFilter> paths;  ///< in order; later matches win
  std::string cwd;                ///< what relative finding paths are relative to
};

/// Whether `f` is shown. Malformed input (a finding that makes the command exit 2) is always
/// shown: hiding it would leave an exit code without its reason.
bool shown(const DisplayFilter& filter, const Finding& f);

/// The findings that are shown, in order.
std::vector<Finding> filter_findings(std::vector<Finding> findings, const DisplayFilter& filter);

/// A finding's file as an absolute, lexically normal path ("" for none).
std::string absolute_file(const std::string& file, const std::string& cwd);

}  // namespace tcptune
