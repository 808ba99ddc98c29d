#pragma once
/// Where a sysctl.d file given by path sits in a tree laid out like a root (a repository
/// holding `etc/sysctl.d/`, `usr/lib/sysctl.d/`, `etc/sysctl.conf`, ...), so that it can be
/// judged against the whole tree, in boot order, rather than alone (the pre-commit hook sees
/// only the staged files). Pure: path text only.

#include <optional>
#include <string>

namespace tcptune {

/// The root directory of the tree `path` belongs to ("." for a path like
/// "etc/sysctl.d/x.conf", "img" for "img/usr/lib/sysctl.d/x.conf", "/" for
/// "/etc/sysctl.conf"), or nullopt when the path is not in a sysctl.d directory of such a
/// layout or is not /etc/sysctl.conf of one. The path is normalized lexically first.
std::optional<std::string> tree_root_of(const std::string& path);

}  // namespace tcptune
