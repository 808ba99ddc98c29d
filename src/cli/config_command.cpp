#include <fnmatch.h>
#include <sys/stat.h>
#include <boost/program_options.hpp>
#include <ostream>

#include "cli/commands.hpp"
#include "config/sysctl_d_set.hpp"
#include "core/cached_key_source.hpp"
#include "core/sysctl_key.hpp"
#include "core/version.hpp"
#include "engine/boot_model.hpp"
#include "render/config_render.hpp"
#include "sys/proc_sys.hpp"

namespace po = boost::program_options;

namespace tcptune {

namespace {

const char* k_config_usage =
    "usage: tcptune config [KEY|GLOB...] [--semantics systemd|procps]\n"
    "\n"
    "The effective configuration: each key's value at boot, the file:line that sets it, the\n"
    "assignments it shadows (the first 100, and how many more) and the writes the kernel will\n"
    "refuse. The sysctl.d set (of the host, or of --root DIR) is read line by line as\n"
    "systemd-sysctl or procps' sysctl reads it at boot, and each write is judged against the\n"
    "kernel's values under /proc/sys (or DIR/proc/sys): its integer parser, enforced ranges,\n"
    "read-only keys, coupled keys, and the IPv4 conf.default values the kernel copies to\n"
    "interfaces. KEY|GLOB limits the output (dotted or slashed, shell globs).\n"
    "\n"
    "Formats: text (default), json (tcptune.config/1).\n"
    "Exit: 0, 2 usage error or unreadable input, 3 system error (no /proc/sys to read).\n";

}  // namespace

int cmd_config(Context& ctx, const std::vector<std::string>& args) {
  po::options_description opts("config options");
  std::vector<std::string> selectors;
  std::string semantics_opt;
  opts.add_options()("help,h", "show this help")("semantics", po::value(&semantics_opt),
                                                 "systemd or procps (default: what the host uses)")(
      "key", po::value(&selectors)->composing(), "keys or globs");
  po::variables_map vm;
  parse_options(args, opts, vm, "key");
  if (vm.count("help") != 0) {
    ctx.out << k_config_usage;
    return 0;
  }
  OutputFormat format = ctx.format({"text", "json"});
  Semantics semantics = semantics_option(ctx, semantics_opt);
  std::vector<std::string> patterns;
  for (const std::string& s : selectors) {
    NormalizedKey nk = normalize_key(s);
    if (nk.problem != KeyProblem::none) throw UsageError("invalid key '" + s + "': " + nk.reason);
    patterns.push_back(nk.path);
  }
  ProcSys proc(ctx.fs);
  if (!proc.available())
    throw SystemFailure("no /proc/sys under " + ctx.global.root +
                        ": the model needs the kernel's values (a captured proc/sys will do)");
  ConfigSet set = load_host_config(ctx.fs, semantics);
  for (const Finding& f : set.findings) ctx.err << f.file << ": " << f.message << "\n";
  // Each key asked of the kernel once, however many lines name it.
  CachedKeySource live(proc, [&proc](const std::string& path) { return proc.writable(path); });
  auto writable = [&live](const std::string& path) { return live.writable(path); };
  Catalog keys;
  CheckCatalog checks;
  ctx.load_catalogs(keys, checks);
  BootModel model = simulate_boot(set, live, writable, &keys);
  if (!patterns.empty()) {
    for (auto it = model.keys.begin(); it != model.keys.end();) {
      bool keep = false;
      for (const std::string& p : patterns)
        keep = keep || ::fnmatch(p.c_str(), it->first.c_str(), FNM_PATHNAME) == 0;
      it = keep ? std::next(it) : model.keys.erase(it);
    }
  }
  ConfigMeta meta;
  meta.version = std::string(version());
  meta.selectors = selectors;
  if (std::optional<std::string> rel = kernel_release(ctx.fs)) meta.kernel_release = *rel;
  ctx.out << render_config(model, meta, format, ctx.style);
  return set.findings.empty() ? 0 : static_cast<int>(ExitCode::invalid_input);
}

}  // namespace tcptune
