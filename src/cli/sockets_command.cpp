#include <boost/program_options.hpp>
#include <ostream>

#include "census/census.hpp"
#include "cli/all_netns.hpp"
#include "cli/commands.hpp"
#include "cli/watch_command.hpp"
#include "core/version.hpp"
#include "render/sockets_render.hpp"
#include "sys/proc_sys.hpp"
#include "sys/root_fs.hpp"

namespace po = boost::program_options;

namespace tcptune {

namespace {

const char* k_sockets_usage =
    "usage: tcptune sockets [--top N] [--netns NAME|PATH] [--source auto|netlink|proc]\n"
    "                       [--sample auto|DURATION] [--no-owners] [--all-netns]\n"
    "       tcptune sockets --watch [--interval S] [--count N] [--top N] [--netns NAME|PATH]\n"
    "                       [--no-owners]\n"
    "\n"
    "A socket census: TCP states (IPv4 and IPv6), listeners with their accept queues and the\n"
    "connections on each listening port, client-side groups per (local address, remote address,\n"
    "remote port) with the local ports they use against the port range, which side closes first,\n"
    "connections opened and closed per second, time to port exhaustion and kernel counters.\n"
    "\n"
    "--sample: two snapshots (sockets and counters) DURATION apart; rates come from the\n"
    "differences, sockets identified by their sock_diag cookie. auto (default) waits 1 s only\n"
    "when the first snapshot shows something to rate; 0 takes one snapshot, and rates are then\n"
    "lower bounds (TIME_WAIT / 60). Under --root and --replay there is one snapshot.\n"
    "\n"
    "Owners: for the groups the tables show, the processes holding their sockets (pid, command,\n"
    "systemd unit or container, from /proc/PID/fd and /proc/PID/cgroup); sockets whose process\n"
    "is not visible (another user's) by their own cgroup (INET_DIAG_CGROUP_ID). TIME_WAIT has no\n"
    "owner: it is attributed, marked inferred, to the processes that held the group's\n"
    "connections that closed in the window, else to those holding established connections to\n"
    "the same destination (or the listening socket). --no-owners skips the lookup.\n"
    "\n"
    "Live hosts are read with one NETLINK_SOCK_DIAG dump per address family (falling back to\n"
    "/proc/net/tcp when the kernel has no sock_diag); under --root, DIR/proc/net/tcp{,6}.\n"
    "--netns enters /run/netns/NAME or a /proc/PID/ns/net path first (root only).\n"
    "--all-netns: every network namespace, a section each, then a summary and the host\n"
    "sysctl.d tuning of per-namespace keys that does not reach them.\n"
    "\n"
    "--watch refreshes every --interval seconds (default 2): on a terminal a full-screen view\n"
    "(states as bars, top destinations and listening ports with ports in use against capacity,\n"
    "connects and closes per second with their history, time until a destination's ports run\n"
    "out, each group's owner and the top owners; keys: q quit, p pause, s sort, n next network\n"
    "namespace), drawn with ncursesw, which it loads then; otherwise, or without that library,\n"
    "one line per refresh. --count stops after N refreshes (0: until ended, as without it).\n"
    "\n"
    "Formats: text (default), json (tcptune.sockets/1), prometheus.\n";

}  // namespace

int cmd_sockets(Context& ctx, const std::vector<std::string>& args) {
  po::options_description opts("sockets options");
  CountOption top{10};
  std::string netns;
  std::string source = "auto";
  std::string replay;
  double interval = 2.0;
  CountOption count;
  std::string sample_opt;
  opts.add_options()("help,h", "show this help")("top", po::value(&top),
                                                 "rows per table (default 10)")(
      "netns", po::value(&netns), "network namespace: a name under /run/netns or a path")(
      "source", po::value(&source), "auto (default), netlink or proc")(
      "replay", po::value(&replay),
      "read a recording made by `tcptune debug record-sockets` (testing)")(
      "sample", po::value(&sample_opt), "auto (default), 0 (one snapshot) or a duration (1s)")(
      "watch", "a live view, refreshed every --interval seconds")(
      "interval", po::value(&interval), "seconds between --watch refreshes (default 2)")(
      "count", po::value(&count), "--watch: stop after N refreshes (0 or default: until q)")(
      "no-owners", "do not look up the processes owning the sockets")(
      "all-netns", "every network namespace: a section each, a summary, tuning they miss");
  po::variables_map vm;
  parse_options(args, opts, vm);
  if (vm.count("help") != 0) {
    ctx.out << k_sockets_usage;
    return 0;
  }
  OutputFormat format = ctx.format({"text", "json", "prometheus"});
  if (top.value == 0) throw UsageError("--top must be at least 1");
  CensusSource src = CensusSource::automatic;
  if (source == "netlink") {
    src = CensusSource::netlink;
  } else if (source == "proc") {
    src = CensusSource::proc;
  } else if (source != "auto") {
    throw UsageError("--source must be auto, netlink or proc (got '" + source + "')");
  }
  // Netlink reads this machine's kernel: under --root the sockets are the tree's.
  if (src == CensusSource::netlink && !ctx.fs.is_host_root())
    throw UsageError("--source netlink reads this machine's kernel, not the --root tree " +
                     ctx.fs.root() + " (whose sockets are its proc/net/tcp{,6}): drop it");
  const bool watch = vm.count("watch") != 0;
  if (vm.count("all-netns") != 0) {
    if (watch) throw UsageError("--watch shows one namespace at a time (key n): drop --all-netns");
    if (!replay.empty()) throw UsageError("--replay is one recording: drop --all-netns");
    return run_all_netns(ctx, "sockets", cmd_sockets, without_all_netns(args), false);
  }
  if (!watch && (vm.count("interval") != 0 || vm.count("count") != 0))
    throw UsageError("--interval and --count go with --watch");
  if (watch) {
    if (!(interval >= 0.1 && interval <= 3600))
      throw UsageError("--interval must be between 0.1 and 3600 seconds");
    if (!replay.empty()) throw UsageError("--watch reads the live kernel: drop --replay");
    if (format != OutputFormat::text) throw UsageError("--watch has no --format; drop it");
    enter_netns_option(ctx, netns);
    WatchOptions w;
    w.interval = interval;
    w.count = count.value;
    w.top = top.value;
    w.source = src;
    w.netns = netns;
    w.owners = vm.count("no-owners") == 0;
    return run_watch(ctx, w);
  }
  SampleRequest sample = sample_option(sample_opt);
  sample.owners = vm.count("no-owners") == 0;
  sample.owner_top = top.value;
  enter_netns_option(ctx, netns);
  Result<CensusReport> rep = [&]() -> Result<CensusReport> {
    if (!replay.empty()) {
      Result<std::string> bytes = read_plain_file(replay, 1u << 30);
      if (!bytes.ok()) throw UsageError("--replay: " + bytes.error().message());
      Result<CensusReport> r = census_from_recording(bytes.value());
      if (!r.ok()) throw UsageError("--replay " + replay + ": " + r.error().message());
      r.value().sample.why_one = "a recording is one moment";
      return r;
    }
    ProcSys proc(ctx.fs);
    return take_sampled_census(ctx.fs, proc, src, sample);
  }();
  if (!rep.ok()) throw SystemFailure("socket census failed: " + rep.error().message());
  if (ctx.summary != nullptr) note_census(rep.value(), *ctx.summary);
  SocketsMeta meta;
  meta.version = std::string(version());
  meta.netns = netns;
  meta.top = top.value;
  ctx.out << render_sockets(rep.value(), meta, format, ctx.style);
  return report_unread_socket_lines(ctx, rep.value()) ? static_cast<int>(ExitCode::invalid_input)
                                                      : 0;
}

int cmd_debug(Context& ctx, const std::vector<std::string>& args) {
  if (args.size() != 2 || args[0] != "record-sockets") {
    throw UsageError("usage: tcptune debug record-sockets FILE (writes the raw netlink replies)");
  }
  if (!ctx.fs.is_host_root())
    throw UsageError("debug record-sockets records this machine's kernel, not the --root tree " +
                     ctx.fs.root() + ": drop --root");
  ProcSys proc(ctx.fs);
  std::string bytes;
  Result<CensusReport> rep = take_census(ctx.fs, proc, CensusSource::netlink, &bytes);
  if (!rep.ok()) throw SystemFailure("socket census failed: " + rep.error().message());
  Result<void> w = write_plain_file(args[1], bytes);
  if (!w.ok()) throw SystemFailure("cannot write " + w.error().message());
  ctx.err << "recorded " << rep.value().sockets.total() << " sockets (" << bytes.size()
          << " bytes) to " << args[1] << "\n";
  return 0;
}

}  // namespace tcptune
