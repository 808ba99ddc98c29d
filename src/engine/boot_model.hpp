#pragma once
/// What a boot really leaves in /proc/sys: the sysctl.d set read line by line as the real
/// program reads it (systemd-sysctl 252 or procps-ng 4.0.2 `sysctl --system`), each write
/// judged as the kernel judges it (its integer parser, its ranges, read-only keys, coupled
/// keys, the IPv4 conf.default propagation to interfaces). Pure: the kernel's starting values
/// come from a KeySource (the live /proc/sys, or a captured one under --root).
///
/// tcptune never writes anything here: spellings the programs accept but tcptune would never
/// write (a leading '/', '..' components) are modelled and reported as notes.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/sysctl_d_set.hpp"
#include "core/catalog.hpp"
#include "core/finding.hpp"
#include "core/key_source.hpp"

namespace tcptune {

/// How many shadowed writes a key of the model keeps (what `tcptune config` lists).
inline constexpr std::size_t k_max_boot_history = 100;

/// One write the program attempts (or skips) for a key.
struct BootWrite {
  std::string file;   ///< shown path
  int line = 0;       ///< 1-based line as the program counts (systemd: also at CR and NUL)
  std::string key;    ///< the key as written in the file
  std::string value;  ///< the value as the program writes it
  bool glob = false;  ///< from a glob assignment
  /// written | refused | suppressed (systemd: same value) | shadowed (a later write wins)
  std::string outcome;
  std::string reason;  ///< refused: why the kernel (or the program) refuses
};

struct BootKey {
  std::string path;  ///< relative /proc/sys path
  std::string key;   ///< dotted
  /// The kernel's value after the boot ("" fields joined by one space); nullopt when no write
  /// changed it (it keeps the kernel's own value).
  std::optional<std::string> value;
  /// The kernel's value before the boot (fields joined by one space); nullopt when the key
  /// does not exist on this kernel.
  std::optional<std::string> before;
  std::optional<BootWrite> winner;  ///< the write that set `value`
  /// Earlier writes that a later one overwrote, or that systemd-sysctl skipped as unchanged: the
  /// first k_max_boot_history of them (a file that sets a key 100,000 times keeps 100).
  std::vector<BootWrite> shadowed;
  std::size_t shadowed_total = 0;  ///< all of them
  std::vector<BootWrite> refused;  ///< writes the kernel refused, in order
  std::string propagated_from;     ///< set by the kernel from conf.default / conf.all / ip_forward
};

struct BootModel {
  Semantics semantics = Semantics::systemd;
  std::map<std::string, BootKey> keys;  ///< by path
  std::vector<Finding> notes;           ///< what the program says (TT1013)
  int exit_status = 0;                  ///< the program's exit status (0 or 1)
};

/// Which network namespace the values come from: a child one refuses what only the initial one
/// may set (a congestion control outside tcp_allowed_congestion_control). Told apart by the
/// global-only keys, which a child namespace does not have.
enum class NetnsKind { initial, child };
NetnsKind netns_kind(const KeySource& live);

/// How much of the boot a model keeps. `full` (tcptune config): every write and what the
/// program says. `values` (lint): the values and the kernel's refusals of them; not what the
/// program says (`notes` stays empty; `exit_status` is still set), nor the writes to keys the
/// kernel does not have or lets no one write (lint reports those itself). A file of 100,000
/// lines naming keys this kernel lacks then keeps nothing per line.
enum class BootDetail { full, values };

/// `writable(path)`: whether the kernel lets root write the key (mode has a write bit).
/// `catalog` (may be null) gives each key's handler data (integer kind, fields, enforced range).
BootModel simulate_boot(const ConfigSet& set, const KeySource& live,
                        const std::function<bool(const std::string&)>& writable,
                        const Catalog* catalog, BootDetail detail = BootDetail::full);

/// The kernel's verdict on writing `text` to a key whose current value is `current`:
/// the new value (fields joined by one space), or an error text. Exposed for tests.
struct KernelVerdict {
  std::optional<std::string> value;
  std::string error;  ///< "EINVAL: ..." when refused
};
/// `current` is the key's value (fields separated by blanks), `state` the other keys' values
/// so far (coupled keys), `info` the catalog entry (null: judged from the current value).
KernelVerdict kernel_write(const std::string& path, const std::string& text,
                           const std::string& current,
                           const std::map<std::string, std::string>& state, const KeyInfo* info,
                           NetnsKind netns);

}  // namespace tcptune
