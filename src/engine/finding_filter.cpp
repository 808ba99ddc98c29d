#include "engine/finding_filter.hpp"

#include <fnmatch.h>

#include <filesystem>

namespace tcptune {

std::string absolute_file(const std::string& file, const std::string& cwd) {
  if (file.empty()) return "";
  std::filesystem::path p =
      file.front() == '/' ? std::filesystem::path(file) : std::filesystem::path(cwd) / file;
  return p.lexically_normal().string();
}

bool shown(const DisplayFilter& filter, const Finding& f) {
  if (f.invalid_input) return true;
  Severity min = filter.base.min_severity;
  const std::set<std::string>* include = &filter.base.include;
  bool excluded = filter.base.exclude.count(f.code) != 0;
  if (!filter.paths.empty() && !f.file.empty()) {
    std::string abs = absolute_file(f.file, filter.cwd);
    for (const PathFilter& p : filter.paths) {
      bool match = false;
      for (const std::string& pat : p.patterns)
        match = match || ::fnmatch(pat.c_str(), abs.c_str(), 0) == 0;
      if (!match) continue;
      if (p.min_severity) min = *p.min_severity;
      if (p.include) include = &*p.include;
      excluded = excluded || p.exclude.count(f.code) != 0;
    }
  }
  if (excluded || f.severity < min) return false;
  return include->empty() || include->count(f.code) != 0;
}

std::vector<Finding> filter_findings(std::vector<Finding> findings, const DisplayFilter& filter) {
  std::vector<Finding> out;
  out.reserve(findings.size());
  for (Finding& f : findings) {
    if (shown(filter, f)) out.push_back(std::move(f));
  }
  return out;
}

}  // namespace tcptune
