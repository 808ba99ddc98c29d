// Options and helpers shared by several commands: --semantics, --fail-on, --kernel, --sample,
// --netns, the persisted values of a sysctl.d set.

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <cstdlib>
#include <system_error>

#include "cli/commands.hpp"
#include "core/kernel_version.hpp"
#include "sys/netns.hpp"

namespace po = boost::program_options;

namespace tcptune {

Semantics semantics_option(const Context& ctx, const std::string& value) {
  if (value.empty()) return detect_semantics(ctx.fs);
  if (value == "systemd") return Semantics::systemd;
  if (value == "procps") return Semantics::procps;
  throw UsageError("--semantics must be systemd or procps (got '" + value + "')");
}

void validate(boost::any& v, const std::vector<std::string>& values, CountOption*, int) {
  po::validators::check_first_occurrence(v);
  const std::string& s = po::validators::get_single_string(values);
  std::size_t n = 0;
  const char* end = s.data() + s.size();
  auto [at, ec] = std::from_chars(s.data(), end, n);  // digits only: no sign, no space
  if (s.empty() || ec != std::errc() || at != end) throw po::invalid_option_value(s);
  v = CountOption{n};
}

namespace {

void reject_empty_values(const po::variables_map& vm, const po::options_description& opts,
                         const char* arguments) {
  for (const auto& [name, value] : vm) {
    if (value.defaulted()) continue;
    // A switch (--help, --no-sockets) is stored as an empty string too: it takes no value.
    const po::option_description* d = opts.find_nothrow(name, false);
    if (d == nullptr || d->semantic()->max_tokens() == 0) continue;
    const auto* text = boost::any_cast<std::string>(&value.value());
    const auto* list = boost::any_cast<std::vector<std::string>>(&value.value());
    if ((text != nullptr && text->empty()) ||
        (list != nullptr &&
         std::any_of(list->begin(), list->end(), [](const std::string& s) { return s.empty(); })))
      throw UsageError(arguments != nullptr && name == arguments
                           ? "an empty argument names nothing"
                           : "--" + name + " needs a value (got an empty one)");
  }
}

}  // namespace

void parse_options(const std::vector<std::string>& args, const po::options_description& opts,
                   po::variables_map& vm, const char* arguments) {
  std::vector<std::string> stray;
  po::options_description all;
  all.add(opts);
  if (arguments == nullptr) all.add_options()("stray-argument", po::value(&stray));
  po::positional_options_description pos;
  pos.add(arguments != nullptr ? arguments : "stray-argument", -1);
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  po::notify(vm);
  reject_empty_values(vm, all, arguments);
  if (!stray.empty())
    throw UsageError("unexpected argument '" + stray.front() +
                     "': this command takes only options (see --help)");
}

void enter_netns_option(Context& ctx, const std::string& netns) {
  if (netns.empty()) return;
  if (!ctx.fs.is_host_root()) throw UsageError("--netns cannot be combined with --root");
  Result<void> r = enter_netns(netns_path(netns));
  if (!r.ok()) throw SystemFailure("--netns " + netns + ": " + r.error().message());
}

std::map<std::string, PersistedValue> persisted_values(const ConfigSet& set,
                                                       const Resolution& res) {
  std::map<std::string, PersistedValue> out;
  for (const auto& [path, eff] : res.keys) {
    PersistedValue v;
    v.value = eff.value;
    const SysctlEntry& e = entry_of(set, eff.winner);
    const ParsedFile& p = parsed_of(set, eff.winner);
    v.at.file = p.path;
    v.at.line = e.line;
    v.at.column = e.key_column;
    v.at.source_line = p.line_text(e.line);
    v.assignments = 1 + static_cast<int>(eff.shadowed.size());
    out.emplace(path, v);
  }
  return out;
}

Severity fail_on_option(const std::string& value) {
  std::optional<Severity> s = parse_severity(value);
  if (!s) throw UsageError("--fail-on must be error, warning or info (got '" + value + "')");
  return *s;
}

std::optional<KernelVersion> kernel_option(const std::string& value) {
  if (value.empty()) return std::nullopt;
  std::optional<KernelVersion> k = parse_kernel_version(value);
  if (!k) throw UsageError("--kernel must be a version like 5.15 or 6.1.12 (got '" + value + "')");
  return k;
}

SampleRequest sample_option(const std::string& value) {
  SampleRequest req;
  if (value.empty() || value == "auto") return req;
  req.automatic = false;
  std::string num = value;
  double scale = 1;
  if (num.size() > 2 && num.compare(num.size() - 2, 2, "ms") == 0) {
    num.resize(num.size() - 2);
    scale = 0.001;
  } else if (num.size() > 1 && num.back() == 's') {
    num.pop_back();
  }
  char* end = nullptr;
  double v = num.empty() ? -1 : std::strtod(num.c_str(), &end);
  // 0 is one snapshot; a window shorter than 100 ms measures no rate worth the name (and
  // 1e-9 or 1e-400, read as such, would be shown as measured).
  const bool zero = v == 0 && num.find_first_not_of("0.") == std::string::npos;
  if (num.empty() || end == nullptr || *end != '\0' || !(v >= 0) || v * scale > 60 ||
      (!zero && v * scale < 0.1)) {
    throw UsageError(
        "--sample must be auto, 0 or a duration from 100 ms to 60 s like 1, 2s or 500ms (got '" +
        value + "')");
  }
  req.seconds = v * scale;
  return req;
}

bool report_unread_socket_lines(Context& ctx, const CensusReport& census) {
  if (census.proc_malformed_lines == 0) return false;
  ctx.err << "tcptune: error: " << census.proc_malformed_at << ": " << census.proc_malformed_lines
          << " line(s) of the socket tables are not in the kernel's format and were skipped "
             "(the first here); the census is incomplete\n";
  return true;
}

void note_census(const CensusReport& census, std::map<std::string, std::string>& summary) {
  const CensusAggregator& a = census.sockets;
  summary["total"] = std::to_string(a.total());
  for (int st = 1; st < static_cast<int>(k_state_slots); ++st) {
    std::uint64_t n = a.states(IpFamily::v4)[static_cast<std::size_t>(st)] +
                      a.states(IpFamily::v6)[static_cast<std::size_t>(st)];
    summary[std::string(state_name(st))] = std::to_string(n);
  }
}

}  // namespace tcptune
