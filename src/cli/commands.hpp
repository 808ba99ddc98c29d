#pragma once
/// One function per command; each parses its own options (Boost.ProgramOptions stays in cli/).

#include <string>
#include <vector>

#include "census/census.hpp"
#include "cli/context.hpp"
#include "config/sysctl_d_set.hpp"
#include "config/tool_config.hpp"
#include "core/kernel_version.hpp"
#include "engine/finding_filter.hpp"
#include "engine/host_facts.hpp"

namespace boost {
class any;
namespace program_options {
class options_description;
class variables_map;
}  // namespace program_options
}  // namespace boost

namespace tcptune {

/// The value of a whole-number option (--top, --count, --journal-keep). Boost reads "-1" into
/// an unsigned type as its wrap-around (18446744073709551615); this one is refused, with the
/// same message as any other value that is not a number.
struct CountOption {
  std::size_t value = 0;
};
/// Boost.ProgramOptions' hook for CountOption (found by argument-dependent lookup).
void validate(boost::any& v, const std::vector<std::string>& values, CountOption*, int);

/// Parses a command's options into `vm` (stored and notified). `arguments` names the option
/// that collects the command's other words (its positional arguments); without one, a word
/// that is not an option or an option's value is a usage error that names it. An option given
/// an empty value (--kernel '') or an empty argument is a usage error too: the configuration
/// file's merge reads "" as "not given", which would hide the mistake.
void parse_options(const std::vector<std::string>& args,
                   const boost::program_options::options_description& opts,
                   boost::program_options::variables_map& vm, const char* arguments = nullptr);

int cmd_lint(Context& ctx, const std::vector<std::string>& args);
int cmd_explain(Context& ctx, const std::vector<std::string>& args);
int cmd_rules(Context& ctx, const std::vector<std::string>& args);
int cmd_sockets(Context& ctx, const std::vector<std::string>& args);
int cmd_debug(Context& ctx, const std::vector<std::string>& args);
int cmd_check(Context& ctx, const std::vector<std::string>& args);
int cmd_profiles(Context& ctx, const std::vector<std::string>& args);
int cmd_apply(Context& ctx, const std::vector<std::string>& args);
int cmd_rollback(Context& ctx, const std::vector<std::string>& args);
int cmd_history(Context& ctx, const std::vector<std::string>& args);
int cmd_config(Context& ctx, const std::vector<std::string>& args);

/// --semantics systemd|procps, or what the root uses when empty. UsageError otherwise.
Semantics semantics_option(const Context& ctx, const std::string& value);

/// --fail-on error|warning|info.
Severity fail_on_option(const std::string& value);

/// --kernel X.Y[.Z]; nullopt when empty.
std::optional<KernelVersion> kernel_option(const std::string& value);

/// --sample auto|DURATION: "auto" (default; 1 s when the first snapshot shows something to
/// rate), "0" (one snapshot), or a duration: "2", "2s", "500ms" (at most 60 s).
SampleRequest sample_option(const std::string& value);

/// --netns NAME|PATH: enters the namespace (not with --root). Exit 3 when it cannot.
void enter_netns_option(Context& ctx, const std::string& netns);

/// What each key ends up as at boot, with the file:line that sets it.
std::map<std::string, PersistedValue> persisted_values(const ConfigSet& set, const Resolution& res);

/// Says on stderr that lines of DIR/proc/net/tcp{,6} could not be read (a socket table that is
/// not the kernel's format): whether the census is incomplete (then exit 2).
bool report_unread_socket_lines(Context& ctx, const CensusReport& census);

/// The summary numbers of a census for --all-netns: "total" and each state's count.
void note_census(const CensusReport& census, std::map<std::string, std::string>& summary);
/// The configuration file(s): nothing with --no-config; only FILE with --config FILE; else
/// /etc/tcptune/tcptune.toml under --root, then the nearest .tcptune.toml upward from the
/// working directory, merged over it. Diagnostics (TT0002, file:line:col) on stderr, exit 2.
ToolConfig load_tool_config(const Context& ctx);

/// The command line's values of the settings a configuration file can hold ("" / empty:
/// not given).
struct SettingOptions {
  std::string kernel;
  std::string semantics;
  std::string fail_on;
  std::string severity;
  std::vector<std::string> include;  ///< comma-separated lists, as given
  std::vector<std::string> exclude;
};

/// Adds the options of those settings to a command's `opts`, stored in `cli`: --kernel (its
/// help `kernel_help` says what the command does with it), --semantics, --fail-on, --severity,
/// --include, --exclude.
void add_setting_options(boost::program_options::options_description& opts, SettingOptions& cli,
                         const char* kernel_help);

/// The settings in force: the command line over the configuration file over the defaults.
/// `--exclude` adds to the file's exclude; `--include` and `--severity` replace the file's,
/// in its [[overrides]] too. Unknown codes
/// are a usage error (command line) or a TT0002 diagnostic at their position (file).
struct ResolvedSettings {
  std::string kernel;     ///< for kernel_option()
  std::string semantics;  ///< for semantics_option()
  Severity fail_on = Severity::warning;
  DisplayFilter filter;
};
ResolvedSettings resolve_settings(const Context& ctx, const ToolConfig& cfg,
                                  const SettingOptions& cli, const CheckCatalog& checks);

/// Warns on stderr about journal entries left unfinished (a crash during apply).
void warn_unfinished_transactions(Context& ctx);

}  // namespace tcptune
