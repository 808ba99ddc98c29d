#pragma once
/// sysctl keys and their /proc/sys paths.
///
/// systemd's separator rule (sysctl.d(5), docs/facts.md#sysctl-d-syntax): if the first separator in
/// a key is
/// '/', slashes separate components and dots are part of names; if it is '.', dots separate
/// and slashes are part of names. So `net.ipv4.conf.eth0/100.rp_filter` and
/// `net/ipv4/conf/eth0.100/rp_filter` are one key (VLAN eth0.100).

#include <string>
#include <string_view>

namespace tcptune {

enum class KeyProblem {
  none,
  empty,         ///< nothing left after stripping
  invalid,       ///< whitespace, control characters or empty components inside the key
  escapes_proc,  ///< '..' or '.' component, absolute path, NUL or newline: would leave /proc/sys
};

struct NormalizedKey {
  KeyProblem problem = KeyProblem::none;
  std::string path;    ///< relative path under /proc/sys ("net/ipv4/tcp_tw_reuse"); empty on error
  std::string key;     ///< canonical dotted form ("net.ipv4.tcp_tw_reuse"); empty on error
  bool glob = false;   ///< contains '*', '?' or '['
  std::string reason;  ///< what is wrong, for messages
};

/// Normalizes a key written in either separator style and checks that it names a path inside
/// /proc/sys. Used for every key, whatever its source (files, profiles, the command line).
NormalizedKey normalize_key(std::string_view raw);

/// The dotted form of a relative /proc/sys path (dots in names become '/').
std::string path_to_key(std::string_view path);

}  // namespace tcptune
