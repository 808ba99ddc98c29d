#pragma once
/// Findings for other tools' report formats: GitLab Code Quality (Code Climate JSON) and
/// Checkstyle XML (every name and message escaped as XML attribute text).

#include <string>
#include <vector>

#include "core/finding.hpp"

namespace tcptune {

/// GitLab Code Quality: a JSON array of issues, each with `description`, `check_name` (the
/// code), `fingerprint` (unique in the report, stable while the file, key and message stay),
/// `severity` (error → critical, warning → major, info → info), `location.path` and
/// `location.lines.begin`. A finding without a file is located where its evidence is read
/// (`PROC/sys/KEY`, or `PROC/net/tcp` for a census finding), line 1, as in the gcc format.
std::string render_codeclimate(const std::vector<Finding>& findings,
                               const std::string& proc_dir = "/proc");

/// Checkstyle XML (`<checkstyle version>`, a `<file name>` per file in first-seen order, an
/// `<error line column severity message source>` per finding; severity error, warning or
/// info; source `tcptune.TTnnnn`). Files are located as in render_codeclimate.
std::string render_checkstyle(const std::vector<Finding>& findings, const std::string& version,
                              const std::string& proc_dir = "/proc");

}  // namespace tcptune
