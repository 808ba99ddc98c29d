#include <sys/stat.h>

#include <boost/program_options.hpp>
#include <ostream>
#include <sstream>

#include "cli/commands.hpp"
#include "config/sysctl_d_set.hpp"
#include "config/tree_root.hpp"
#include "core/cached_key_source.hpp"
#include "core/kernel_version.hpp"
#include "core/text_util.hpp"
#include "core/version.hpp"
#include "engine/lint.hpp"
#include "render/lint_render.hpp"
#include "sys/proc_sys.hpp"
#include "sys/self.hpp"

namespace po = boost::program_options;

namespace tcptune {

namespace {

const char* k_lint_usage =
    "usage: tcptune lint [PATH...] [--kernel X.Y[.Z]] [--semantics systemd|procps]\n"
    "                    [--fail-on error|warning|info] [--severity error|warning|info]\n"
    "                    [--include CODES] [--exclude CODES] [--whole-tree]\n"
    "\n"
    "Lints sysctl.d files. Without PATH: the whole sysctl.d set of the host (or of --root DIR),\n"
    "in precedence order. With PATHs: those files (a directory stands for its *.conf files),\n"
    "applied in the order given, as `systemd-sysctl FILE...` does. With --whole-tree, PATHs\n"
    "in a tree laid out like a root (DIR/etc/sysctl.d/*.conf, DIR/etc/sysctl.conf, ...) are\n"
    "judged as part of DIR's whole sysctl.d set, in boot order, and only their findings are\n"
    "shown: what the pre-commit hook needs, since it is given the staged files by name.\n"
    "\n"
    "With a /proc/sys to look at (the host's, or DIR/proc/sys) keys are checked against the\n"
    "running kernel; with --kernel, or without a /proc/sys, the check is offline against\n"
    "tcptune's key catalog for that kernel version.\n"
    "\n"
    "Suppress a finding with `# tcptune: disable=TT2003[,TT2004]` on the line before an\n"
    "assignment (or before the first assignment, for the whole file).\n"
    "\n"
    "--severity hides findings below a severity, --include shows only the codes given; the\n"
    "exit status counts only what is shown. Malformed or unreadable input is always shown\n"
    "(exit 2): no option or disable comment hides it. Defaults for --kernel, --semantics,\n"
    "--fail-on, --severity, --include and --exclude (also per file pattern) come from the\n"
    "configuration file: the nearest .tcptune.toml upward from the working directory, over\n"
    "/etc/tcptune/tcptune.toml under --root (--config FILE, --no-config; see tcptune(8)).\n"
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
  SettingOptions cli;
  opts.add_options()("help,h", "show this help");
  add_setting_options(opts, cli, "lint offline for kernel X.Y[.Z]");
  opts.add_options()("whole-tree",
                     "judge PATHs within the whole tree laid out like a root that holds them")(
      "path", po::value(&paths)->composing(), "files or directories");
  po::variables_map vm;
  parse_options(args, opts, vm, "path");
  if (vm.count("help") != 0) {
    ctx.out << k_lint_usage;
    return 0;
  }
  OutputFormat format =
      ctx.format({"text", "gcc", "json", "sarif", "github", "diff", "codeclimate", "checkstyle"});
  ToolConfig config = load_tool_config(ctx);

  Catalog keys;
  CheckCatalog checks;
  ctx.load_catalogs(keys, checks);

  ResolvedSettings settings = resolve_settings(ctx, config, cli, checks);
  Severity threshold = settings.fail_on;
  const std::string& kernel_opt = settings.kernel;
  const std::string& semantics_opt = settings.semantics;
  LintOptions options;
  options.exclude = settings.filter.base.exclude;

  Semantics semantics = semantics_option(ctx, semantics_opt);

  LintMeta meta;
  meta.version = std::string(version());
  meta.quiet = ctx.global.quiet;
  ProcSys proc(ctx.fs);
  // Each key asked of the kernel once, however many lines name it.
  CachedKeySource live(proc, [&proc](const std::string& path) { return proc.writable(path); });
  if (std::optional<KernelVersion> k = kernel_option(kernel_opt)) {
    options.kernel = k;
    meta.kernel_release = k->str(VersionForm::short_form);
    meta.kernel_source = "option";
  } else if (proc.available()) {
    options.live = &live;
    options.writable = [&live](const std::string& path) { return live.writable(path); };
    meta.live = true;
    meta.kernel_source = "live";
    std::optional<std::string> rel = kernel_release(ctx.fs);
    if (rel) options.kernel = parse_kernel_release(*rel);
    if (options.kernel) {
      meta.kernel_release = *rel;
    } else {
      // Not a release (a FIFO, garbage in a --root tree): said, and not printed as it is.
      meta.kernel_release.clear();
      ctx.err << "tcptune: warning: " << ctx.fs.host_path("/proc/sys/kernel/osrelease")
              << (rel ? " does not hold a kernel release" : " cannot be read")
              << ": the checks that depend on the kernel version are skipped (--kernel X.Y "
                 "gives one)\n";
    }
  } else {
    meta.kernel_source = "unknown";
  }

  // --whole-tree: the files given all belong to one tree laid out like a root; lint that
  // tree's whole set (boot order, precedence) and keep the findings in the files given.
  std::optional<std::string> tree;
  if (vm.count("whole-tree") != 0 && !paths.empty()) {
    std::set<std::string> roots;
    std::string loose;
    for (const std::string& p : paths) {
      std::optional<std::string> r = tree_root_of(p);
      if (r) {
        roots.insert(*r);
      } else if (loose.empty()) {
        loose = p;
      }
    }
    if (roots.size() == 1 && loose.empty()) {
      tree = *roots.begin();
    } else {
      ctx.err << "tcptune: note: --whole-tree: "
              << (loose.empty() ? "the files belong to " + std::to_string(roots.size()) +
                                      " trees (" + join({roots.begin(), roots.end()}, ", ") + ")"
                                : loose +
                                      " is not in a sysctl.d directory of a tree laid out "
                                      "like a root (DIR/etc/sysctl.d, DIR/usr/lib/sysctl.d, "
                                      "DIR/etc/sysctl.conf, ...)")
              << "; linting the files in the order given\n";
    }
  }
  std::optional<RootFs> tree_fs;
  if (tree) {
    tree_fs.emplace(*tree);
    if (!tree_fs->is_directory("/"))
      throw UsageError("--whole-tree: " + *tree + ": not a directory");
    if (settings.semantics.empty()) semantics = detect_semantics(*tree_fs);
  }
  ConfigSet set = tree            ? load_host_config(*tree_fs, semantics)
                  : paths.empty() ? load_host_config(ctx.fs, semantics)
                                  : load_explicit_config(paths, semantics);
  LintReport report = run_lint(set, keys, checks, options);
  if (tree) {
    std::string cwd = current_directory();
    std::set<std::string> given;
    for (const std::string& p : paths) given.insert(absolute_file(p, cwd));
    std::vector<Finding> mine;
    for (Finding& f : report.findings) {
      if (given.count(absolute_file(f.file, cwd)) != 0) mine.push_back(std::move(f));
    }
    // A file given that is not there is not in the tree's set either: read it as a file given
    // on its own would be, for the same error (TT1010, exit 2) instead of "ok".
    std::vector<std::string> missing;
    for (const std::string& p : paths) {
      struct stat st {};
      if (::lstat(p.c_str(), &st) != 0) missing.push_back(p);
    }
    if (!missing.empty()) {
      for (Finding& f : load_explicit_config(missing, semantics).findings) mine.push_back(f);
    }
    report.findings = std::move(mine);
  }
  report.findings = filter_findings(std::move(report.findings), settings.filter);

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
