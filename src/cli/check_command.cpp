#include <boost/program_options.hpp>
#include <ostream>

#include "census/census.hpp"
#include "cli/all_netns.hpp"
#include "cli/commands.hpp"
#include "config/sysctl_d_set.hpp"
#include "core/kernel_version.hpp"
#include "core/sysctl_key.hpp"
#include "core/version.hpp"
#include "engine/advisor.hpp"
#include "engine/host_facts.hpp"
#include "engine/owner_findings.hpp"
#include "engine/profiles.hpp"
#include "engine/rules.hpp"
#include "engine/trust_findings.hpp"
#include "render/check_render.hpp"
#include "sys/netns.hpp"
#include "sys/proc_sys.hpp"

namespace po = boost::program_options;

namespace tcptune {

namespace {

const char* k_check_usage =
    "usage: tcptune check [--profile P] [--kernel X.Y[.Z]] [--no-sockets] [--netns NAME|PATH]\n"
    "                     [--sample auto|DURATION] [--fail-on error|warning|info]\n"
    "                     [--semantics systemd|procps] [--severity error|warning|info]\n"
    "                     [--include CODES] [--exclude CODES] [--no-owners] [--all-netns]\n"
    "\n"
    "Reads the kernel release, the live sysctl values, the persisted sysctl.d configuration and\n"
    "the socket census, evaluates the rules (rules/check.toml) and the profile, and prints the\n"
    "findings with their evidence, then the changes that would bring the host to the profile.\n"
    "Without --profile, the profile is picked from the socket census and the reason is shown.\n"
    "\n"
    "--kernel evaluates version-dependent rules and defaults for another kernel version (the\n"
    "live values are still read). --no-sockets skips the census (rules about sockets stay\n"
    "silent). --netns reads the live values and sockets of another network namespace.\n"
    "--sample takes two snapshots of the sockets and the kernel counters DURATION apart and\n"
    "reports measured rates: auto (default) waits 1 s only when the first snapshot shows\n"
    "something to rate (TIME_WAIT, handshakes, counters moving); 0 takes one snapshot and\n"
    "labels every rate a lower bound. Under --root there is one snapshot.\n"
    "Findings about a group of sockets name the processes owning them (pid, command, systemd\n"
    "unit or container); owners of TIME_WAIT are inferred and said so. --no-owners skips it.\n"
    "--all-netns checks every network namespace (named ones under /run/netns and those\n"
    "processes are in), one section each, then a summary and the host sysctl.d tuning of\n"
    "per-namespace keys that does not reach them, with the fix (root only).\n"
    "\n"
    "--severity hides findings below a severity, --include shows only the codes given,\n"
    "--exclude hides codes; the exit status counts only what is shown. A sysctl.d file or line\n"
    "that cannot be read is an error on stderr (exit 2). The configuration file\n"
    "(.tcptune.toml upward from the working directory, /etc/tcptune/tcptune.toml under\n"
    "--root) gives defaults for --kernel, --semantics, --fail-on and these (tcptune(8)).\n"
    "\n"
    "Formats: text (default), json (tcptune.check/1), prometheus, gcc, codeclimate (GitLab\n"
    "Code Quality), checkstyle (XML).\n"
    "Exit: 0 clean, 1 findings at or above --fail-on (default warning) or changes pending,\n"
    "2 malformed data or input, 3 system error.\n";

// Signs of containers whose network namespaces start from kernel defaults.
bool has_containers(const RootFs& fs) {
  for (const char* p : {"/run/containerd", "/run/docker.sock", "/var/run/docker.sock",
                        "/var/lib/kubelet", "/run/crio", "/var/lib/lxc", "/run/podman"}) {
    if (fs.resolve(p).ok()) return true;
  }
  Result<std::vector<DirEntry>> ns = fs.list_dir("/run/netns");
  return ns.ok() && !ns.value().empty();
}

bool sysctl_conf_unread(const ConfigSet& set) {
  if (set.semantics != Semantics::systemd || !set.sysctl_conf_exists || set.sysctl_conf_linked ||
      set.sysctl_conf_parsed < 0)
    return false;
  const ParsedFile& p = set.parsed[static_cast<std::size_t>(set.sysctl_conf_parsed)];
  for (const SysctlEntry& e : p.entries) {
    if (e.kind == EntryKind::assign) return true;
  }
  return false;
}

}  // namespace

int cmd_check(Context& ctx, const std::vector<std::string>& args) {
  po::options_description opts("check options");
  std::string profile_opt;
  std::string netns;
  std::string sample_opt;
  SettingOptions cli;
  opts.add_options()("help,h", "show this help")("profile", po::value(&profile_opt),
                                                 "the profile to check against");
  add_setting_options(opts, cli, "evaluate for kernel X.Y[.Z]");
  opts.add_options()("no-sockets", "skip the socket census")(
      "netns", po::value(&netns), "network namespace: a name under /run/netns or a path")(
      "sample", po::value(&sample_opt), "auto (default), 0 (one snapshot) or a duration (1s)")(
      "no-owners", "do not look up the processes owning the sockets findings are about")(
      "all-netns", "every network namespace: a section each, a summary, tuning they miss");
  po::variables_map vm;
  parse_options(args, opts, vm);
  if (vm.count("help") != 0) {
    ctx.out << k_check_usage;
    return 0;
  }
  OutputFormat format =
      ctx.format({"text", "json", "prometheus", "gcc", "codeclimate", "checkstyle"});
  ToolConfig config = load_tool_config(ctx);
  Knowledge k = ctx.load_knowledge();
  ResolvedSettings settings = resolve_settings(ctx, config, cli, k.checks);
  Severity threshold = settings.fail_on;
  Semantics semantics = semantics_option(ctx, settings.semantics);
  std::optional<KernelVersion> kernel_override = kernel_option(settings.kernel);
  SampleRequest sample = sample_option(sample_opt);
  sample.owners = vm.count("no-owners") == 0;
  // Only the groups a finding can name (annotate_owners below): no walk of /proc for the rest.
  sample.owner_groups = [](const CensusReport& snapshot) {
    std::vector<GroupKey> groups;
    for (const auto& [role, group] : focus_groups(snapshot)) groups.push_back(group);
    return groups;
  };
  if (vm.count("all-netns") != 0)
    return run_all_netns(ctx, "check", cmd_check, without_all_netns(args),
                         threshold <= Severity::warning);
  if (!profile_opt.empty()) {
    auto r = resolve_profile(profile_opt, k.profiles);
    if (!r.ok()) throw UsageError("--profile: " + r.error());
  }
  enter_netns_option(ctx, netns);

  CheckReport report;
  report.version = std::string(version());
  report.netns = netns;
  report.quiet = ctx.global.quiet;
  report.checks = &k.checks;
  report.semantics = std::string(to_string(semantics));
  ProcSys proc(ctx.fs);
  // Without the live values nothing can be checked: every rule and the whole plan read them.
  if (!proc.available())
    throw SystemFailure("no /proc/sys under " + ctx.fs.root() +
                        ": the live values cannot be read, so there is nothing to check");
  HostFactsInput in;
  in.keys = &k.keys;
  in.live = &proc;
  if (kernel_override) {
    in.kernel = kernel_override;
    report.kernel_source = "option";
    report.kernel_version = kernel_override->str();
  }
  if (std::optional<std::string> rel = kernel_release(ctx.fs)) {
    report.kernel_release = *rel;
    if (!kernel_override) {
      in.kernel = parse_kernel_release(*rel);
      if (in.kernel) {
        report.kernel_source = "live";
        report.kernel_version = in.kernel->str();
      }
    }
  }
  if (report.kernel_source.empty()) report.kernel_source = "unknown";

  ConfigSet set = load_host_config(ctx.fs, semantics);
  Resolution res = resolve_config(set, in.live);
  in.persisted = persisted_values(set, res);
  in.sysctl_conf_unread = sysctl_conf_unread(set);
  in.containers = has_containers(ctx.fs);
  if (Result<std::string> cmdline = ctx.fs.read_file("/proc/cmdline", 1 << 16); cmdline.ok())
    in.cmdline = cmdline.value();
  if (ctx.fs.is_host_root()) in.initial_netns = in_initial_netns();
  report.initial_netns = in.initial_netns;
  report.proc_dir = ctx.fs.host_path("/proc");

  std::optional<CensusReport> census;
  if (vm.count("no-sockets") == 0) {
    Result<CensusReport> c = take_sampled_census(ctx.fs, proc, CensusSource::automatic, sample);
    if (!c.ok()) {
      throw SystemFailure("socket census failed: " + c.error().message() +
                          " (--no-sockets checks without it)");
    }
    census = std::move(c.value());
    report.census = &*census;
  }
  in.census = report.census;

  Detection detected = detect_profile(report.census, k.keys);
  if (!profile_opt.empty()) {
    report.profile = profile_opt;
    report.profile_source = "option";
    report.profile_reason = "given with --profile (" + detected.reason + ")";
  } else {
    report.profile = detected.profile;
    report.profile_source = "detected";
    report.profile_reason = detected.reason;
  }
  in.profile = report.profile;
  auto resolved = resolve_profile(report.profile, k.profiles);
  if (!resolved.ok()) throw UsageError("profile: " + resolved.error());
  const ResolvedProfile& profile = resolved.value();
  report.profile_chain = profile.chain;

  HostFacts facts(std::move(in));
  report.metrics = facts.metrics();
  report.findings = run_rules(k.rules, facts);
  if (census) annotate_owners(report.findings, k.rules, *census);
  // Who can write the configuration (TT5008, TT5009) is a finding of check too; read errors
  // only make the persisted picture incomplete, and are said on stderr below.
  append(report.findings, trust_findings(set, k.checks));
  report.plan = make_plan(profile, facts);
  // tcp_tw_reuse = 1 is for outgoing connections to other hosts: when every outgoing connection
  // is on loopback, the default 2 already lets connect() reuse TIME_WAIT ports.
  auto metric = [&](const char* name) -> std::int64_t {
    auto it = report.metrics.find(name);
    const auto* v = it == report.metrics.end() ? nullptr : std::get_if<std::int64_t>(&it->second);
    return v == nullptr ? -1 : *v;
  };
  if (metric("outbound") > 0 && metric("outbound_remote") == 0) {
    auto& ch = report.plan.changes;
    for (auto it = ch.begin(); it != ch.end(); ++it) {
      if (it->key != "net.ipv4.tcp_tw_reuse" || it->current != std::optional<std::string>("2") ||
          it->target != std::optional<std::string>("1") || (it->persisted && *it->persisted != "2"))
        continue;
      report.plan.notes.push_back(
          {it->key, "left at 2: profile " + report.profile +
                        " asks for 1, but every outgoing connection here is on loopback, which "
                        "the default 2 already covers (with tcp_timestamps on)"});
      ch.erase(it);
      break;
    }
  }
  // The plan fixes what the findings condemn, or says why not: a warning or an error about a
  // key's value that the profile leaves alone gets a note with the finding's own advice.
  for (const Finding& f : report.findings) {
    if (f.severity < Severity::warning || !f.key ||
        k.keys.find(normalize_key(*f.key).path) == nullptr)
      continue;
    bool covered = false;
    for (const Change& c : report.plan.changes) covered = covered || c.key == *f.key;
    for (const PlanNote& n : report.plan.notes) covered = covered || n.key == *f.key;
    if (covered) continue;
    report.plan.notes.push_back(
        {*f.key, f.code + " condemns its value, and profile " + report.profile +
                     " sets no target for it (what to do depends on this host): " + f.hint});
  }

  // What is shown (and counts for the exit status) is filtered last: the plan's notes above
  // still see every finding.
  report.findings = filter_findings(std::move(report.findings), settings.filter);
  ExitCode code = ExitCode::ok;
  for (const Finding& f : report.findings) {
    if (f.severity >= threshold) code = ExitCode::findings;
  }
  if (!report.plan.changes.empty()) code = ExitCode::findings;
  for (const PlanNote& n : report.plan.notes) {
    // A key of the profile whose live value cannot be read: the check is incomplete.
    if (n.reason != NoteReason::key_unreadable) continue;
    ctx.err << "tcptune: error: " << n.key << ": " << skipped_because(n) << "\n";
    code = ExitCode::system_error;
  }
  // A sysctl.d file that could not be read, or a line of one that tcptune cannot read, makes
  // the persisted picture incomplete: malformed input (exit 2), said on stderr with its place
  // (tcptune lint says more).
  bool unread = false;
  for (const Finding& f : set.findings) {
    ctx.err << "tcptune: error: " << f.file << ": " << f.message << " [" << f.code << "]\n";
    unread = true;
  }
  for (const ParsedFile& p : set.parsed) {
    for (const Finding& d : p.diagnostics) {
      if (!d.invalid_input) continue;
      ctx.err << "tcptune: error: " << d.file << ":" << d.line << ": " << d.message << " ["
              << d.code << "]\n";
      unread = true;
    }
  }
  if (census && report_unread_socket_lines(ctx, *census)) unread = true;
  if (unread && code != ExitCode::system_error) code = ExitCode::invalid_input;
  report.exit_code = static_cast<int>(code);
  if (ctx.summary != nullptr) {
    std::map<std::string, std::string>& sum = *ctx.summary;
    if (census) note_census(*census, sum);
    int by[3] = {0, 0, 0};
    for (const Finding& f : report.findings) ++by[static_cast<int>(f.severity)];
    sum["errors"] = std::to_string(by[2]);
    sum["warnings"] = std::to_string(by[1]);
    sum["infos"] = std::to_string(by[0]);
    sum["changes"] = std::to_string(report.plan.changes.size());
  }
  ctx.out << render_check(report, format, ctx.style);
  return static_cast<int>(code);
}

}  // namespace tcptune
