#include <boost/program_options.hpp>
#include <ostream>
#include <sstream>

#include "cli/commands.hpp"
#include "config/sysctl_d_set.hpp"
#include "core/kernel_version.hpp"
#include "core/text_util.hpp"
#include "core/version.hpp"
#include "engine/lint.hpp"
#include "render/lint_render.hpp"
#include "sys/proc_sys.hpp"

namespace po = boost::program_options;

namespace tcptune {

namespace {

const char* k_lint_usage =
    "usage: tcptune lint [PATH...] [--kernel X.Y[.Z]] [--semantics systemd|procps]\n"
    "                    [--fail-on error|warning|info] [--exclude CODES]\n"
    "\n"
    "Lints sysctl.d files. Without PATH: the whole sysctl.d set of the host (or of --root DIR),\n"
    "in precedence order. With PATHs: those files (a directory stands for its *.conf files),\n"
    "applied in the order given, as `systemd-sysctl FILE...` does.\n"
    "\n"
    "With a /proc/sys to look at (the host's, or DIR/proc/sys) keys are checked against the\n"
    "running kernel; with --kernel, or without a /proc/sys, the check is offline against\n"
    "tcptune's key catalog for that kernel version.\n"
    "\n"
    "Suppress a finding with `# tcptune: disable=TT2003[,TT2004]` on the line before an\n"
    "assignment (or before the first assignment, for the whole file).\n"
    "\n"
    "Formats: text (default), gcc, json (tcptune.lint/1), sarif (2.1.0), github, diff (a\n"
    "patch of the mechanical fixes, for `git apply` or `patch -p1`), codeclimate (GitLab Code\n"
    "Quality), checkstyle (XML).\n"
    "Exit: 0 clean, 1 findings at or above --fail-on (default warning), 2 malformed or\n"
    "unreadable input, 3 system error.\n";

}  // namespace

int cmd_lint(Context& ctx, const std::vector<std::string>& args) {
  po::options_description opts("lint options");
  std::vector<std::string> paths;
  std::vector<std::string> excludes;
  std::string kernel_opt;
  std::string semantics_opt;
  std::string fail_on = "warning";
  opts.add_options()("help,h", "show this help")("kernel", po::value(&kernel_opt),
                                                 "lint offline for kernel X.Y[.Z]")(
      "semantics", po::value(&semantics_opt), "systemd or procps (default: what the host uses)")(
      "fail-on", po::value(&fail_on), "lowest severity that fails: error, warning (default), info")(
      "exclude", po::value(&excludes)->composing(),
      "codes not to report, comma-separated (repeatable)")("path", po::value(&paths)->composing(),
                                                           "files or directories");
  po::positional_options_description pos;
  pos.add("path", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help") != 0) {
    ctx.out << k_lint_usage;
    return 0;
  }
  OutputFormat format =
      ctx.format({"text", "gcc", "json", "sarif", "github", "diff", "codeclimate", "checkstyle"});
  Severity threshold = fail_on_option(fail_on);

  Catalog keys;
  CheckCatalog checks;
  ctx.load_catalogs(keys, checks);

  LintOptions options;
  for (const std::string& list : excludes) {
    for (std::string_view code : split(list, ',')) {
      std::string c(trim(code));
      if (c.empty()) continue;
      if (checks.find(c) == nullptr)
        throw UsageError("--exclude: unknown code '" + c + "' (see tcptune rules)");
      options.exclude.insert(c);
    }
  }

  Semantics semantics = semantics_option(ctx, semantics_opt);

  LintMeta meta;
  meta.version = std::string(version());
  meta.quiet = ctx.global.quiet;
  ProcSys proc(ctx.fs);
  if (std::optional<KernelVersion> k = kernel_option(kernel_opt)) {
    options.kernel = k;
    meta.kernel_release = k->str(VersionForm::short_form);
    meta.kernel_source = "option";
  } else if (proc.available()) {
    options.live = &proc;
    meta.live = true;
    meta.kernel_source = "live";
    if (std::optional<std::string> rel = kernel_release(ctx.fs)) {
      meta.kernel_release = *rel;
      options.kernel = parse_kernel_release(*rel);
    }
  } else {
    meta.kernel_source = "unknown";
  }

  ConfigSet set =
      paths.empty() ? load_host_config(ctx.fs, semantics) : load_explicit_config(paths, semantics);
  LintReport report = run_lint(set, keys, checks, options);

  ExitCode code = ExitCode::ok;
  for (const Finding& f : report.findings) {
    if (f.invalid_input) {
      code = ExitCode::invalid_input;
      break;
    }
    if (f.severity >= threshold) code = ExitCode::findings;
  }
  meta.exit_code = static_cast<int>(code);
  ctx.out << render_lint(report, set, checks, meta, format, ctx.style);
  return static_cast<int>(code);
}

}  // namespace tcptune
