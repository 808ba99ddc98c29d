#include "cli/all_netns.hpp"

#include <unistd.h>

#include <algorithm>
#include <ostream>
#include <sstream>

#include "cli/commands.hpp"
#include "config/sysctl_d_set.hpp"
#include "core/version.hpp"
#include "engine/netns_gaps.hpp"
#include "render/netns_render.hpp"
#include "sys/netns_fork.hpp"
#include "sys/netns_list.hpp"
#include "sys/proc_sys.hpp"

namespace tcptune {

namespace {

// A namespace whose census and rules take longer than this is reported as not read.
constexpr int k_netns_timeout_seconds = 300;

// The child's answer: length-prefixed fields, "N:bytes".
void put(std::string& out, const std::string& s) { out += std::to_string(s.size()) + ":" + s; }

bool take(const std::string& in, std::size_t& at, std::string& s) {
  std::size_t colon = in.find(':', at);
  if (colon == std::string::npos) return false;
  std::size_t n = 0;
  try {
    n = std::stoul(in.substr(at, colon - at));
  } catch (...) {
    return false;
  }
  if (colon + 1 + n > in.size()) return false;
  s = in.substr(colon + 1, n);
  at = colon + 1 + n;
  return true;
}

void put_map(std::string& out, const std::map<std::string, std::string>& m) {
  put(out, std::to_string(m.size()));
  for (const auto& [k, v] : m) {
    put(out, k);
    put(out, v);
  }
}

bool take_map(const std::string& in, std::size_t& at, std::map<std::string, std::string>& m) {
  std::string count;
  if (!take(in, at, count)) return false;
  std::size_t n = 0;
  try {
    n = std::stoul(count);
  } catch (...) {
    return false;
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::string k;
    std::string v;
    if (!take(in, at, k) || !take(in, at, v)) return false;
    m[k] = v;
  }
  return true;
}

// The command inside the namespace, its errors mapped to exit codes as run_app does.
int guarded(Context& c, CommandFn fn, const std::vector<std::string>& args) {
  try {
    return fn(c, args);
  } catch (const ReportedError& e) {
    return static_cast<int>(e.code());
  } catch (const UsageError& e) {
    c.err << "tcptune: error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::invalid_input);
  } catch (const SystemFailure& e) {
    c.err << "tcptune: error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::system_error);
  } catch (const std::exception& e) {
    c.err << "tcptune: error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::system_error);
  }
}

}  // namespace

std::vector<std::string> without_all_netns(const std::vector<std::string>& args) {
  std::vector<std::string> out = args;
  auto it = std::find(out.begin(), out.end(), "--all-netns");
  if (it != out.end()) out.erase(it);
  return out;
}

int run_all_netns(Context& ctx, const std::string& command, CommandFn fn,
                  const std::vector<std::string>& args, bool gaps_fail) {
  if (!ctx.fs.is_host_root())
    throw UsageError("--all-netns enters the host's live namespaces: not with --root");
  OutputFormat format = ctx.format({"text", "json", "prometheus"});
  if (::geteuid() != 0)
    throw SystemFailure(
        "--all-netns enters every network namespace, which needs root "
        "(CAP_SYS_ADMIN); running as uid " +
        std::to_string(::geteuid()));
  for (const std::string& a : args) {
    if (a == "--netns" || a.rfind("--netns=", 0) == 0)
      throw UsageError("--all-netns and --netns: give one of them");
  }
  Catalog keys;
  CheckCatalog checks;
  ctx.load_catalogs(keys, checks);
  ConfigSet set = load_host_config(ctx.fs, semantics_option(ctx, ""));
  ProcSys proc(ctx.fs);
  Resolution res = resolve_config(set, proc.available() ? &proc : nullptr);
  const std::map<std::string, PersistedValue> persisted = persisted_values(set, res);
  const std::vector<std::string> wanted = per_netns_persisted_keys(keys, persisted);

  Result<std::vector<NetnsEntry>> list = list_network_namespaces("/");
  if (!list.ok()) throw SystemFailure("--all-netns: " + list.error().message());

  AllNetnsReport rep;
  rep.command = command;
  rep.version = std::string(version());
  bool failed = false;
  int worst = 0;
  for (const NetnsEntry& e : list.value()) {
    NetnsSection s;
    s.name = e.name;
    s.path = e.path;
    s.id = std::to_string(e.dev) + ":" + std::to_string(e.ino);
    s.initial = e.initial;
    s.named = e.path.rfind("/run/netns/", 0) == 0;
    s.processes = e.processes;
    s.first_pid = e.first_pid;
    s.comm = e.comm;
    s.owner = e.owner;
    ctx.out.flush();
    ctx.err.flush();
    Result<NetnsChildResult> r = run_in_netns(
        e.path,
        [&]() {
          std::ostringstream o;
          std::ostringstream er;
          Context c(ctx.global, o, er);
          std::map<std::string, std::string> summary;
          c.summary = &summary;
          const int rc = guarded(c, fn, args);
          std::map<std::string, std::string> live;
          ProcSys inside(c.fs);
          for (const std::string& k : wanted) {
            KeyRead kr = inside.read(k);
            if (kr.status == KeyStatus::value) live[k] = kr.value;
          }
          std::string payload;
          put(payload, std::to_string(rc));
          put(payload, o.str());
          put(payload, er.str());
          put_map(payload, summary);
          put_map(payload, live);
          return payload;
        },
        k_netns_timeout_seconds);
    if (!r.ok()) {
      s.gone = r.error().err == ENOENT;
      s.error = r.error().message();
      failed = failed || !s.gone;
      rep.sections.push_back(std::move(s));
      continue;
    }
    const std::string& p = r.value().payload;
    std::size_t at = 0;
    std::string rc;
    std::map<std::string, std::string> live;
    if (!take(p, at, rc) || !take(p, at, s.out) || !take(p, at, s.err) ||
        !take_map(p, at, s.summary) || !take_map(p, at, live)) {
      s.error = "garbled answer from the child working in the namespace";
      failed = true;
      rep.sections.push_back(std::move(s));
      continue;
    }
    s.exit_code = std::stoi(rc);
    worst = std::max(worst, s.exit_code);
    if (!s.initial) s.gaps = netns_gaps(keys, persisted, live);
    if (gaps_fail && !s.gaps.empty()) worst = std::max(worst, 1);
    rep.sections.push_back(std::move(s));
  }
  rep.exit_code = failed ? static_cast<int>(ExitCode::system_error) : worst;
  ctx.out << render_all_netns(rep, format, ctx.style);
  return rep.exit_code;
}

}  // namespace tcptune
