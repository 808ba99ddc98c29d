#pragma once
/// Values the kernel rewrites by itself when a key is written (Linux net/ipv4/devinet.c and
/// net/ipv6/addrconf.c, checked against 6.1):
///   - net.ipv4.ip_forward and net.ipv4.conf.all.forwarding (one variable): conf.all.forwarding,
///     conf.default.forwarding and every interface's forwarding get the value,
///     conf.all.accept_redirects the opposite (inet_forward_change);
///   - net.ipv4.conf.default.X (X not forwarding): copied to X of every interface that has not
///     had X written itself (devinet_copy_dflt_conf);
///   - net.ipv6.conf.all.forwarding, .disable_ipv6, .ignore_routes_with_linkdown: copied to
///     conf.default and every interface (addrconf_fixup_forwarding, addrconf_disable_ipv6,
///     addrconf_fixup_linkdown).
/// A rollback that writes the key back makes the kernel copy it again, over what each
/// interface held before: the transaction journals those values and puts them back.

#include <string>
#include <string_view>
#include <vector>

#include "apply/journal.hpp"
#include "core/key_source.hpp"

namespace tcptune {

/// The relative /proc/sys paths the kernel may rewrite when `path` is written, for the
/// interfaces `live` lists now (the key itself excluded). Empty for an ordinary key.
std::vector<std::string> side_effect_paths(std::string_view path, const KeySource& live);

/// Fills entry.side with the current value of every path the entry's keys may rewrite (keys
/// of the entry itself excluded: they have their own before-values). Done before the journal
/// entry is first saved.
void snapshot_side_values(JournalEntry& entry, const KeySource& live);

/// Records in entry.side what each value holds now, after the transaction's writes.
void record_side_after(JournalEntry& entry, const KeySource& live);

/// One per-interface value to put back after a rollback's writes, read before them.
struct SideRestore {
  std::string path;
  std::string target;  ///< what it must hold once the keys are restored
  std::string cause;   ///< the key whose restore makes the kernel rewrite it
};

/// Reads, before a rollback writes anything, every value the entry's keys may make the kernel
/// rewrite (for the interfaces there are now), and decides what each must hold afterwards:
/// the journaled before-value when it still holds what the transaction left (or the
/// transaction did not finish), else what it holds now (changed since, or an interface the
/// transaction did not know): the rollback's own writes must not change it.
std::vector<SideRestore> plan_side_restore(const JournalEntry& entry, const KeySource& live);

}  // namespace tcptune
