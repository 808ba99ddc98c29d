#pragma once
/// tcptune's own configuration file (`.tcptune.toml` found upward from the working directory,
/// `/etc/tcptune/tcptune.toml` under the root, or `--config PATH`): defaults for the options
/// that every pre-commit hook and CI job would otherwise repeat. Pure: text in, model out.
///
///     kernel = "6.1"            # --kernel
///     semantics = "systemd"     # --semantics
///     exclude = ["TT4005"]      # --exclude (added to the command line's)
///     include = ["TT2003"]      # --include (the command line's replaces it)
///     severity = "warning"      # --severity: the lowest severity shown
///     fail-on = "error"         # --fail-on
///     [[overrides]]             # for findings in files matching one of `paths`
///     paths = ["etc/sysctl.d/50-vendor-*.conf"]
///     exclude = ["TT4001"]
///     severity = "error"
///
/// Errors are TT0002 findings with file:line:col (the command exits 2).

#include <optional>
#include <string>
#include <vector>

#include "core/finding.hpp"

namespace tcptune {

/// A value as written, with its position (so a later check, such as "unknown code", can point
/// at it).
struct ConfigValue {
  std::string value;
  std::string file;
  int line = 0;
  int column = 0;
};

/// An [[overrides]] table: its settings apply to findings in files that match a pattern.
struct PathOverride {
  /// fnmatch(3) patterns, already made absolute: a pattern starting with '/' is a path under
  /// the root (`root` + pattern), any other is relative to the directory of the file that
  /// holds it. `*` matches across '/'.
  std::vector<std::string> patterns;
  std::optional<std::vector<ConfigValue>> exclude;
  std::optional<std::vector<ConfigValue>> include;
  std::optional<ConfigValue> severity;
};

struct ToolConfig {
  std::vector<std::string> files;  ///< the files read, in the order merged (later wins)
  std::optional<ConfigValue> kernel;
  std::optional<ConfigValue> semantics;
  std::optional<ConfigValue> severity;
  std::optional<ConfigValue> fail_on;
  std::optional<std::vector<ConfigValue>> exclude;
  std::optional<std::vector<ConfigValue>> include;
  std::vector<PathOverride> overrides;  ///< in file order; a later match wins per setting
};

/// Parses `text` (the file `file`, whose directory is `dir`; `root` is the --root prefix, "/"
/// for none) and merges it over `into`: each setting it has replaces the earlier one, its
/// overrides are appended. Values are checked here (severities, semantics, kernel versions,
/// the TTnnnn form of codes); whether a code exists is the caller's (it has the catalog).
/// Returns the problems as TT0002 findings; empty when none.
[[nodiscard]] std::vector<Finding> parse_tool_config(const std::string& text,
                                                     const std::string& file,
                                                     const std::string& dir,
                                                     const std::string& root, ToolConfig& into);

/// A TT0002 finding at a position of a configuration file.
Finding config_error(const std::string& file, int line, int column, const std::string& message);

}  // namespace tcptune
