#pragma once
/// The facts `check` rules look at, named by dotted paths (rules/README.md, "Facts"):
///
///   live.KEY[i]        the live value (an integer when it is one, else the normalized text);
///                      [i] picks field i of a vector value ("ip_local_port_range[0]")
///   persisted.KEY[i]   the value the sysctl.d set applies at boot (the winning assignment)
///   assigned.KEY       how many applied assignments set KEY (winner and shadowed); absent if 0
///   default.KEY        the kernel's default for KEY on this kernel (catalog)
///   netns.KEY          "yes" | "no" | "readonly" | "n/a": whether KEY is per network namespace
///   netns_init.KEY     "default" | "copy": what a new namespace starts from
///   boot.KEY           the kernel command line's value for KEY (sysctl.KEY=V, or NAME=V for a
///                      kernel.NAME key such as panic=): absent when the command line is silent
///   kernel             the kernel version (compared as a version: "4.12")
///   census.METRIC      a socket-census metric (census_metric_names())
///   counter.P.NAME     a kernel counter from /proc/net/netstat or snmp ("TcpExt.TW")
///   sockstat.P.NAME    /proc/net/sockstat{,6} ("TCP.tw")
///   profile            the profile name
///   host.initial_netns 1 in the initial network namespace, 0 in another one
///   host.containers    1 when the root shows a container runtime or named network namespaces
///   config.sysctl_conf_unread  1 when /etc/sysctl.conf has assignments systemd will not read
///   derived.NAME       computed from live values: port_range.low, .high, .size (ports),
///                      .same_parity (1 when both ends are even or both odd)
///
/// In a `foreach` rule, `$` stands for the key being visited ("live.$", "persisted.$").
/// A fact can be absent (key not on this kernel, no census): comparisons with it are unknown.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/catalog.hpp"
#include "core/finding.hpp"
#include "core/kernel_version.hpp"
#include "core/result.hpp"

namespace tcptune {

using FactValue = std::variant<std::int64_t, double, std::string, KernelVersion>;

enum class FactKind {
  live,
  persisted,
  assigned,
  default_,
  netns,
  netns_init,
  kernel,
  census,
  counter,
  sockstat,
  profile,
  host,
  config,
  derived,
  boot,
};

struct FactRef {
  FactKind kind = FactKind::kernel;
  std::string path;          ///< /proc/sys path for key facts ("" for `$`), else the metric name
  bool each = false;         ///< `$`: the key of the foreach iteration
  std::optional<int> index;  ///< vector field
  std::string text;          ///< as written, for messages

  bool operator==(const FactRef&) const = default;
};

/// Parses a fact reference. Key facts must name a catalog key (or `$` when `allow_each`);
/// census, counter, sockstat, host and config names must be known. Error text on failure.
Result<FactRef, std::string> parse_fact_ref(std::string_view text, const Catalog& keys,
                                            bool allow_each);

/// The census metrics rules may use.
const std::vector<std::string>& census_metric_names();
/// The counters rules may use ("TcpExt.TW"...), the sockstat fields, host and config facts.
const std::vector<std::string>& counter_fact_names();
const std::vector<std::string>& sockstat_fact_names();
const std::vector<std::string>& host_fact_names();
const std::vector<std::string>& config_fact_names();
const std::vector<std::string>& derived_fact_names();

/// What the rules are evaluated against. `each` is the /proc/sys path bound to `$`.
class FactSource {
 public:
  virtual ~FactSource() = default;
  [[nodiscard]] virtual std::optional<FactValue> get(const FactRef& ref,
                                                     const std::string& each) const = 0;
  /// Keys a foreach rule visits: "persisted" (keys with a persisted value), "live" (catalog
  /// keys present on this kernel). /proc/sys paths, sorted.
  [[nodiscard]] virtual std::vector<std::string> keys(std::string_view domain) const = 0;
  /// Where the persisted value of a key comes from, for the finding's file:line.
  struct Location {
    std::string file;
    int line = 0;
    int column = 0;
    std::string source_line;
  };
  [[nodiscard]] virtual std::optional<Location> persisted_at(const std::string& path) const = 0;
  /// Why the live value of a key that exists could not be read (a permission, or a FIFO or a
  /// device in a --root tree), as a message naming the file; nullopt when it was read or is
  /// absent.
  [[nodiscard]] virtual std::optional<std::string> live_error(const std::string& path) const {
    (void)path;
    return std::nullopt;
  }
};

/// A raw value as a fact: an integer when it is one, else whitespace-normalized text;
/// with an index, that field (as an integer when it is one).
std::optional<FactValue> value_fact(const std::string& raw, std::optional<int> index);

/// For messages: integers as is, doubles with one decimal (none from 100 up), versions X.Y.Z.
std::string fact_text(const FactValue& v);
EvidenceValue to_evidence(const FactValue& v);

}  // namespace tcptune
