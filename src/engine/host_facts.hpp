#pragma once
/// The facts of one host (or fixture root) for `check`: built from what the CLI gathered.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "census/census.hpp"
#include "core/catalog.hpp"
#include "core/kernel_version.hpp"
#include "core/key_source.hpp"
#include "engine/facts.hpp"

namespace tcptune {

struct PersistedValue {
  std::string value;
  FactSource::Location at;
  int assignments = 1;  ///< the winner and the assignments it shadowed
};

struct HostFactsInput {
  const Catalog* keys = nullptr;
  const KeySource* live = nullptr;                  ///< null: no live values (offline)
  std::map<std::string, PersistedValue> persisted;  ///< by /proc/sys path
  std::optional<KernelVersion> kernel;
  const CensusReport* census = nullptr;  ///< null: --no-sockets
  std::string profile;
  std::optional<bool> initial_netns;
  bool containers = false;
  bool sysctl_conf_unread = false;
  std::string cmdline;  ///< /proc/cmdline ("" when unknown)
};

/// What the kernel command line sets at boot, read as the kernel reads it: words split by
/// next_arg() (lib/cmdline.c: double quotes group, a quoted value loses its quotes) up to "--"
/// (parse_args(), kernel/params.c: the rest is init's), each later word over an earlier one.
struct KernelCmdline {
  /// /proc/sys path → value of the `sysctl.KEY=V` and `sysctl/KEY=V` words, every '.' of KEY
  /// read as '/', as do_sysctl_args() writes them from Linux 5.8 on (fs/proc/proc_sysctl.c:
  /// process_sysctl_arg; an empty value is not written).
  std::map<std::string, std::string, std::less<>> sysctl;
  /// Any other NAME=V word (panic=1, hung_task_panic=1), by NAME.
  std::map<std::string, std::string, std::less<>> params;

  /// The value the command line gives the key at `path` on `kernel` (nullopt: unknown, read as
  /// a recent one): its sysctl word from 5.8 on (older kernels pass such words to init); else
  /// a parameter that sets the same setting, which the kernel reads earlier: one of the four
  /// historical aliases (hung_task_panic=, sysctl_aliases[]), or NAME= for kernel.NAME
  /// (panic=).
  [[nodiscard]] std::optional<std::string> boot_value(
      std::string_view path, const std::optional<KernelVersion>& kernel) const;
};
KernelCmdline parse_kernel_cmdline(std::string_view text);

/// The census metrics of census_metric_names(), computed once.
std::map<std::string, FactValue> census_metrics(const CensusReport& census);

class HostFacts final : public FactSource {
 public:
  explicit HostFacts(HostFactsInput in);
  [[nodiscard]] std::optional<FactValue> get(const FactRef& ref,
                                             const std::string& each) const override;
  [[nodiscard]] std::vector<std::string> keys(std::string_view domain) const override;
  [[nodiscard]] std::optional<Location> persisted_at(const std::string& path) const override;
  [[nodiscard]] std::optional<std::string> live_error(const std::string& path) const override;

  [[nodiscard]] const std::map<std::string, FactValue>& metrics() const { return m_metrics; }

 private:
  HostFactsInput m_in;
  KernelCmdline m_cmdline;  ///< m_in.cmdline, parsed once
  std::map<std::string, FactValue> m_metrics;
  mutable std::map<std::string, std::optional<std::string>> m_live_cache;
  mutable std::map<std::string, std::string> m_live_errors;  ///< path → why it was not read
  /// What the rules ask of the catalog about a key, kept per key (the catalog's entry is read
  /// once and not kept: Catalog::facts_of).
  struct KeyFacts {
    bool known = false;  ///< the catalog has the key (or its pattern)
    KeyType type = KeyType::other;
    bool generated = false;
    std::optional<NetnsScope> netns;
    std::string netns_init;
    std::optional<std::string> default_value;  ///< on this kernel (default_for)
  };
  mutable std::map<std::string, KeyFacts, std::less<>> m_key_facts;
  [[nodiscard]] const KeyFacts& key_facts(const std::string& path) const;
  [[nodiscard]] std::optional<std::string> live_raw(const std::string& path) const;
  [[nodiscard]] std::string canonical(const std::string& path, const std::string& raw) const;
};

}  // namespace tcptune
