#pragma once
/// The set of sysctl.d files a boot applies, in order, and what each key ends up as.
///
/// systemd-sysctl (docs/facts.md#sysctl-d-precedence): /etc, /run, /usr/local/lib, /usr/lib
/// sysctl.d; *.conf only; for one file name the first directory wins (a link to /dev/null or an
/// empty file masks); all files sorted by name across directories; the later assignment wins;
/// /etc/sysctl.conf only through a sysctl.d link (Debian's 99-sysctl.conf). procps `sysctl
/// --system` (§8.4): the same plus /lib/sysctl.d, and /etc/sysctl.conf read again at the very end.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/sysctl_d_parser.hpp"
#include "core/finding.hpp"
#include "core/key_source.hpp"

namespace tcptune {

class RootFs;

std::string_view to_string(Semantics s);

/// What the root boots with: systemd when it shows systemd (booted with it, or systemd-sysctl
/// installed); procps when there is a sysctl binary and no sign of systemd; systemd otherwise.
Semantics detect_semantics(const RootFs& fs);

/// The sysctl.d directories in priority order (in-root absolute paths).
std::vector<std::string> sysctl_d_directories(Semantics s);

/// A file name found in one of the directories (input of ordering; built from listings).
struct CandidateFile {
  std::string dir;          ///< "/etc/sysctl.d"
  std::string name;         ///< "10-a.conf"
  bool masked = false;      ///< symlink to /dev/null, or an empty file
  std::string link_target;  ///< readlink() text when the entry is a symlink
};

enum class FileRole {
  active,      ///< parsed and applied
  masked,      ///< this name is masked (the file itself is the /dev/null link or empty)
  overridden,  ///< a same-name file in a higher-priority directory replaces it
};

struct ConfigFile {
  std::string dir;
  std::string name;
  std::string path;   ///< in-root path (dir/name), or the path given on the command line
  std::string shown;  ///< the path shown in messages (host path of the real file)
  FileRole role = FileRole::active;
  std::string by;  ///< masked/overridden: the in-root path that wins for this name
  std::string link_target;
  bool admin = true;  ///< an administrator's file (/etc, /run, command line) vs a vendor default
  bool tail = false;  ///< procps: /etc/sysctl.conf read after all sysctl.d files
  int parsed = -1;    ///< index into ConfigSet::parsed for active files that were read
};

/// The most a whole sysctl.d set may hold: files past it are reported (TT1009), not read, so
/// memory stays bounded whatever the number of files (each is at most k_max_config_bytes).
inline constexpr std::size_t k_max_set_bytes = 8u << 20;  // 8 MiB

/// A part of the configuration that someone other than root (and the owner of the --root tree)
/// can write: a fact about its owner and mode. The lint engine makes the finding of it
/// (engine/trust_findings.hpp: TT5008 for a directory, TT5009 for a file).
struct TrustProblem {
  enum class Target { directory, file };
  enum class Reason {
    writable_by_all,    ///< mode has o+w
    writable_by_group,  ///< mode has g+w, and the group is not root's (nor the tree's)
    foreign_owner,      ///< owned by a user other than root (or the tree's owner)
  };
  Target target = Target::file;
  Reason reason = Reason::foreign_owner;
  std::string path;        ///< as shown (host path)
  std::string config_dir;  ///< a directory: the sysctl.d directory it leads to (in-root)
  std::uint32_t mode = 0;  ///< permission bits (07777)
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

struct ConfigSet {
  Semantics semantics = Semantics::systemd;
  bool explicit_paths = false;      ///< files given on the command line (no directory scan)
  std::vector<ConfigFile> files;    ///< active files in application order, then inactive ones
  std::vector<ParsedFile> parsed;   ///< each real file once
  std::vector<Finding> findings;    ///< read errors (TT1009, TT1010)
  std::vector<TrustProblem> trust;  ///< who can write the configuration
  /// /etc/sysctl.conf: whether it exists (as a regular file), has assignments, and whether a
  /// sysctl.d entry links to it.
  bool sysctl_conf_exists = false;
  bool sysctl_conf_linked = false;
  int sysctl_conf_parsed = -1;
  /// What the boot program itself says about a file it cannot read, and whether that makes it
  /// exit 1: systemd-sysctl on a directory named *.conf ("Is a directory"), procps on a
  /// dangling link ("cannot open"). The boot model (tcptune config) reports them.
  struct ProgramFileError {
    std::string shown;
    std::string message;
    bool fails = true;
  };
  std::vector<ProgramFileError> program_errors;
};

/// Orders candidates: same-name override and masking, then by name across directories.
/// Pure; `dirs` gives the priority order.
std::vector<ConfigFile> order_candidates(const std::vector<CandidateFile>& candidates,
                                         const std::vector<std::string>& dirs);

/// Scans the sysctl.d directories under the root and reads every active file.
ConfigSet load_host_config(const RootFs& fs, Semantics semantics);

/// Reads files given on the command line (a directory stands for its *.conf files, sorted),
/// applied in the order given, as `systemd-sysctl FILE...` does.
ConfigSet load_explicit_config(const std::vector<std::string>& paths, Semantics semantics);

/// One assignment: which applied file and which entry of its parsed file.
struct Assignment {
  int file = -1;   ///< index into ConfigSet::files
  int entry = -1;  ///< index into ParsedFile::entries
};

struct EffectiveKey {
  std::string path;
  std::string key;
  std::string value;
  Assignment winner;
  std::vector<Assignment> shadowed;  ///< earlier assignments that lost, in order
  bool from_glob = false;            ///< set by a glob assignment
};

struct Resolution {
  std::map<std::string, EffectiveKey, std::less<>> keys;  ///< by /proc/sys path
  /// Glob assignments that could not be expanded (no live tree) and those that matched nothing.
  std::vector<Assignment> unexpanded_globs;
  std::vector<Assignment> empty_globs;
};

/// Computes the effective value of every key. `live` (may be null) expands glob keys against
/// /proc/sys. systemd: a key with an explicit assignment anywhere is never set by a glob, and
/// `-key` excludes a key from globs. procps: assignments apply in order, globs included.
Resolution resolve_config(const ConfigSet& set, const KeySource* live);

/// The entry of an assignment.
const SysctlEntry& entry_of(const ConfigSet& set, const Assignment& a);
const ParsedFile& parsed_of(const ConfigSet& set, const Assignment& a);

}  // namespace tcptune
