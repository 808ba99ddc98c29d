#pragma once
/// The sysctl.d fragment tcptune writes, and the check that a file is one of tcptune's.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/sysctl_d_set.hpp"
#include "core/result.hpp"

namespace tcptune {

/// The default fragment: named so that it sorts after the usual drop-ins and after Debian's
/// 99-sysctl.conf link ("99-s" < "99-t").
inline constexpr const char* k_default_fragment = "/etc/sysctl.d/99-tcptune.conf";
inline constexpr std::string_view k_fragment_marker = "# Written by tcptune";

struct FragmentLine {
  std::string key;  ///< dotted
  std::string path;
  std::string value;
  std::string rationale;
  std::string reference;
  std::string profile;  ///< the profile in the chain that sets it
};

struct FragmentHeader {
  std::string version;
  std::string profile;
  std::string transaction;
  std::string time;
};

/// The whole file: the header, then each key with its rationale as a comment.
std::string fragment_text(const FragmentHeader& h, const std::vector<FragmentLine>& lines);

/// Whether a file's bytes are a fragment tcptune wrote (the first line is the marker).
bool written_by_tcptune(std::string_view bytes);

/// The assignments of a fragment (path → value), for comparing two fragments by content.
std::map<std::string, std::string> fragment_body(std::string_view bytes);

/// An in-root path's directory and file name ("/etc/sysctl.d", "99-tcptune.conf").
struct PathParts {
  std::string dir;
  std::string name;
};
PathParts split_in_root(std::string_view in_root);

/// Checks an in-root fragment path: absolute, no "..", inside one of the sysctl.d
/// directories of either semantics, a plain "*.conf" name. The error says what is wrong.
Result<void, std::string> check_fragment_path(std::string_view in_root);

/// A later assignment that would override a key of the fragment at boot.
struct Shadow {
  std::string key;
  std::string path;
  std::string file;  ///< as shown
  int line = 0;
  std::string value;
  Semantics semantics = Semantics::systemd;
  std::string why;  ///< "sorts after 99-tcptune.conf", "read last by sysctl --system", ...
};

/// The files read after the fragment at boot that tcptune could not read whole (not read at all,
/// or a line it does not parse: invalid input), one message each naming the file and line:
/// shadowing() cannot tell whether they set a key of the fragment.
std::vector<std::string> unjudged_later_files(const ConfigSet& set, const std::string& dir,
                                              const std::string& name);

/// The assignments of `paths` (relative /proc/sys paths) that come after the fragment
/// `dir`/`name` in the boot order of `set`, or that replace the fragment as a whole (a
/// same-name file in a higher-priority directory). The fragment's own file is skipped.
std::vector<Shadow> shadowing(const ConfigSet& set, const std::string& dir, const std::string& name,
                              const std::vector<std::string>& paths);

}  // namespace tcptune
