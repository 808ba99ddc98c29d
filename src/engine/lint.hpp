#pragma once
/// `tcptune lint`: every check over a sysctl.d set (pure: the set is already read, the kernel
/// is behind a KeySource).

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/sysctl_d_set.hpp"
#include "core/catalog.hpp"
#include "core/finding.hpp"
#include "core/kernel_version.hpp"
#include "core/key_source.hpp"
#include "engine/boot_model.hpp"

namespace tcptune {

struct LintOptions {
  /// Kernel version to judge against (the live release or --kernel); nullopt when unknown.
  std::optional<KernelVersion> kernel;
  /// The running kernel's /proc/sys (or a captured tree); nullptr when linting offline.
  const KeySource* live = nullptr;
  /// Whether root may write a key of `live` (its mode); unset: every key.
  std::function<bool(const std::string&)> writable;
  /// Codes not to report (--exclude).
  std::set<std::string> exclude;
};

/// Output bounds: at most this many findings per file, and in all; the rest are counted in one
/// TT1013 finding per file, which carries the worst severity cut.
inline constexpr std::size_t k_max_findings_per_file = 200;
inline constexpr std::size_t k_max_lint_findings = 5000;

struct LintReport {
  std::vector<Finding> findings;  ///< in file order (precedence order), then line and column
  Resolution resolution;
  /// The boot as the program plays it over the live values (live mode only).
  std::optional<BootModel> boot;
};

LintReport run_lint(const ConfigSet& set, const Catalog& keys, const CheckCatalog& checks,
                    const LintOptions& options);

}  // namespace tcptune
