// The configuration file and the options that filter what a command shows: --config,
// --no-config, --severity, --include, --exclude (see config/tool_config.hpp).

#include <boost/program_options.hpp>
#include <ostream>

#include "cli/commands.hpp"
#include "core/text_util.hpp"
#include "render/findings_render.hpp"
#include "sys/self.hpp"

namespace tcptune {

namespace {

constexpr const char* k_project_name = ".tcptune.toml";
constexpr const char* k_system_path = "/etc/tcptune/tcptune.toml";

std::string parent_dir(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Patterns are matched against absolute paths: make a relative --root or --config absolute.
std::string absolute(const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  std::string cwd = current_directory();
  return (cwd == "/" ? "" : cwd) + "/" + path;
}

[[noreturn]] void report(const Context& ctx, const std::vector<Finding>& errors) {
  for (const Finding& f : errors) ctx.err << render_finding_gcc(f);
  throw ReportedError(ExitCode::invalid_input);
}

Severity severity_of(const ConfigValue& v) { return parse_severity(v.value).value(); }

}  // namespace

ToolConfig load_tool_config(const Context& ctx) {
  ToolConfig cfg;
  if (ctx.global.no_config) return cfg;
  std::vector<Finding> errors;
  const std::string root = absolute(ctx.fs.root());
  if (!ctx.global.config.empty()) {
    Result<std::string> text = read_plain_file(ctx.global.config);
    if (!text.ok()) throw UsageError("--config: cannot read " + text.error().message());
    append(errors, parse_tool_config(text.value(), ctx.global.config,
                                     parent_dir(absolute(ctx.global.config)), root, cfg));
    if (!errors.empty()) report(ctx, errors);
    return cfg;
  }
  // The system's file under the root first; the project's, nearer to the user, wins.
  // Present, not merely resolvable: a link that loops or dangles is a configuration file that
  // cannot be read (exit 2), as a directory or a FIFO there is, not an absent one.
  if (host_path_present(ctx.fs.host_path(k_system_path))) {
    Result<std::string> text = ctx.fs.read_file(k_system_path);
    std::string shown = ctx.fs.host_path(k_system_path);
    if (!text.ok()) {
      errors.push_back(config_error(shown, 0, 0, "cannot read: " + text.error().message()));
    } else {
      append(errors, parse_tool_config(text.value(), shown,
                                       absolute(ctx.fs.host_path("/etc/tcptune")), root, cfg));
    }
  }
  std::string dir = current_directory();
  while (!dir.empty()) {
    std::string candidate = (dir == "/" ? "" : dir) + "/" + k_project_name;
    if (host_path_present(candidate)) {
      // A file found by walking up from wherever tcptune runs could be anyone's: settings in
      // it can hide findings. Only one owned by root or this user, and not writable by everyone,
      // is read (the user's own directories are theirs to trust; --config overrides).
      Result<FileStat> st = RootFs("/").stat(candidate);
      if (st.ok() && ((st.value().uid != 0 && st.value().uid != effective_uid()) ||
                      (st.value().mode & 002) != 0)) {
        ctx.err << "tcptune: warning: ignoring " << candidate << ": "
                << ((st.value().mode & 002) != 0 ? "writable by everyone"
                                                 : "owned by uid " + std::to_string(st.value().uid))
                << ", so its settings could hide findings (--config " << candidate
                << " reads it anyway)\n";
        break;
      }
      Result<std::string> text = read_plain_file(candidate);
      if (!text.ok()) {
        errors.push_back(config_error(candidate, 0, 0, "cannot read: " + text.error().message()));
      } else {
        append(errors, parse_tool_config(text.value(), candidate, dir, root, cfg));
      }
      break;
    }
    if (dir == "/") break;
    dir = parent_dir(dir);
  }
  if (!errors.empty()) report(ctx, errors);
  return cfg;
}

ResolvedSettings resolve_settings(const Context& ctx, const ToolConfig& cfg,
                                  const SettingOptions& cli, const CheckCatalog& checks) {
  std::vector<Finding> errors;
  // Codes from the file must exist, as those from the command line must.
  auto config_codes = [&](const std::optional<std::vector<ConfigValue>>& codes, const char* what) {
    std::set<std::string> out;
    if (!codes) return out;
    for (const ConfigValue& v : *codes) {
      if (checks.find(v.value) == nullptr) {
        errors.push_back(config_error(
            v.file, v.line, v.column,
            std::string("'") + what + "': unknown code " + v.value + " (see tcptune rules)"));
      } else {
        out.insert(v.value);
      }
    }
    return out;
  };
  auto cli_codes = [&](const std::vector<std::string>& lists, const char* option) {
    std::set<std::string> out;
    for (const std::string& list : lists) {
      for (std::string_view code : split(list, ',')) {
        std::string c(trim(code));
        if (c.empty()) continue;
        if (checks.find(c) == nullptr)
          throw UsageError(std::string(option) + ": unknown code '" + c + "' (see tcptune rules)");
        out.insert(c);
      }
    }
    return out;
  };
  ResolvedSettings s;
  s.kernel = cli.kernel.empty() && cfg.kernel ? cfg.kernel->value : cli.kernel;
  s.semantics = cli.semantics.empty() && cfg.semantics ? cfg.semantics->value : cli.semantics;
  s.fail_on = fail_on_option(cli.fail_on.empty() ? (cfg.fail_on ? cfg.fail_on->value : "warning")
                                                 : cli.fail_on);
  DisplayFilter& f = s.filter;
  f.cwd = current_directory();
  if (!cli.severity.empty()) {
    std::optional<Severity> sev = parse_severity(cli.severity);
    if (!sev)
      throw UsageError("--severity must be error, warning or info (got '" + cli.severity + "')");
    f.base.min_severity = *sev;
  } else if (cfg.severity) {
    f.base.min_severity = severity_of(*cfg.severity);
  }
  f.base.exclude = config_codes(cfg.exclude, "exclude");
  for (const std::string& c : cli_codes(cli.exclude, "--exclude")) f.base.exclude.insert(c);
  std::set<std::string> cfg_include = config_codes(cfg.include, "include");
  f.base.include = cli.include.empty() ? cfg_include : cli_codes(cli.include, "--include");
  for (const PathOverride& o : cfg.overrides) {
    PathFilter p;
    p.patterns = o.patterns;
    // The command line wins over the file, its overrides included.
    std::set<std::string> include = config_codes(o.include, "include");
    if (o.severity && cli.severity.empty()) p.min_severity = severity_of(*o.severity);
    if (o.include && cli.include.empty()) p.include = include;
    p.exclude = config_codes(o.exclude, "exclude");
    f.paths.push_back(std::move(p));
  }
  if (!errors.empty()) report(ctx, errors);
  return s;
}

void add_setting_options(boost::program_options::options_description& opts, SettingOptions& cli,
                         const char* kernel_help) {
  namespace po = boost::program_options;
  opts.add_options()("kernel", po::value(&cli.kernel), kernel_help)(
      "semantics", po::value(&cli.semantics), "systemd or procps (default: what the host uses)")(
      "fail-on", po::value(&cli.fail_on),
      "lowest severity that fails: error, warning (default), info")(
      "severity", po::value(&cli.severity),
      "lowest severity shown: error, warning, info (default)")(
      "include", po::value(&cli.include)->composing(),
      "only these codes, comma-separated (repeatable)")(
      "exclude", po::value(&cli.exclude)->composing(),
      "codes not to report, comma-separated (repeatable)");
}

}  // namespace tcptune
