#pragma once
/// `lint --format diff`: the mechanical fixes of the findings as one unified diff.

#include <string>
#include <vector>

#include "config/sysctl_d_set.hpp"
#include "core/finding.hpp"

namespace tcptune {

/// A unified diff (`--- a/PATH`, `+++ b/PATH`, three lines of context) that `git apply` and
/// `patch -p1` accept, run from the directory the paths are relative to (an absolute path
/// is written relative to `/`). PATH is the file as the findings name it. Fixes are taken in
/// finding order; one that edits a line an earlier fix already edits is left out (its
/// finding stays). "" when no finding has a fix.
std::string render_fix_diff(const std::vector<Finding>& findings, const ConfigSet& set);

/// The diff path of a file: without a leading "./" or "/".
std::string diff_path(const std::string& file);

}  // namespace tcptune
