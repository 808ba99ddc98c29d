// Options shared by several commands: --semantics, --fail-on, --kernel, --netns.

#include "cli/commands.hpp"
#include "core/kernel_version.hpp"
#include "sys/netns.hpp"

namespace tcptune {

Semantics semantics_option(const Context& ctx, const std::string& value) {
  if (value.empty()) return detect_semantics(ctx.fs);
  if (value == "systemd") return Semantics::systemd;
  if (value == "procps") return Semantics::procps;
  throw UsageError("--semantics must be systemd or procps (got '" + value + "')");
}

void enter_netns_option(Context& ctx, const std::string& netns) {
  if (netns.empty()) return;
  if (!ctx.fs.is_host_root()) throw UsageError("--netns cannot be combined with --root");
  Result<bool> r = enter_netns(netns_path(netns));
  if (!r.ok()) throw SystemFailure("--netns " + netns + ": " + r.error().message());
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

}  // namespace tcptune
