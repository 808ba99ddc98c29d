#pragma once
/// `apply --fix-files`: the lines of other sysctl files that the profile or the rules condemn,
/// commented out in the same transaction as the fragment. Pure: which lines (over the sysctl.d
/// sets already read), the new text of a file, the text of a mask for a vendor file, and the
/// unified diff shown by --dry-run. The transaction writes the files (transaction.cpp).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/sysctl_d_set.hpp"
#include "core/finding.hpp"

namespace tcptune {

/// The comment put above a line it disables: "# disabled by tcptune ID: REASON".
inline constexpr std::string_view k_disabled_marker = "# disabled by tcptune ";

/// Whether an in-root path is a vendor file (/usr/lib, /lib, /usr/local/lib): never edited,
/// masked by a same-named file in /etc/sysctl.d instead.
bool vendor_path(std::string_view in_root);

/// Checks a path --fix-files may write (and a journal may name): /etc/sysctl.conf or a *.conf
/// file directly in an administrator's sysctl.d directory (/etc, /run); a mask only in
/// /etc/sysctl.d. "" when fine, else the problem.
std::string edit_path_problem(std::string_view in_root, bool mask);

/// One line to comment out.
struct DisabledLine {
  int line = 0;  ///< 1-based
  std::string key;
  std::string text;    ///< the line as written
  std::string reason;  ///< one line
};

/// A line that the profile or the rules condemn, where it is (before grouping by file).
struct CondemnedLine {
  std::string file;   ///< ConfigFile::path (in-root; a link such as 99-sysctl.conf stays a link)
  std::string shown;  ///< ConfigFile::shown (the real file)
  DisabledLine line;
};

struct FixFilesInput {
  /// Both semantics' sets (the plan's boot_sets).
  std::vector<const ConfigSet*> boot_sets;
  std::string fragment_dir;
  std::string fragment_name;
  std::string profile;
  /// What the fragment will hold (relative /proc/sys path → value): a later assignment of one
  /// of these keys overrides it at boot.
  std::map<std::string, std::string> fragment_values;
  /// Keys the profile wants absent (path → why), condemned in every file.
  std::map<std::string, std::string> absent;
  /// The rules' findings over the host (warning and error count), where they point at a line
  /// of a file that wins over the fragment.
  std::vector<Finding> findings;
};

/// Every condemned line of the files that win over the fragment (and of any file for a key the
/// profile wants absent), once each, in file and line order. Glob assignments are never
/// condemned (commenting one out would change other keys).
std::vector<CondemnedLine> condemned_lines(const FixFilesInput& in);

/// `bytes` with each of `lines` commented out: a "# disabled by tcptune TXN: REASON" line, then
/// "# " and the line as it was. Every other byte is kept.
std::string disable_lines(std::string_view bytes, const std::vector<DisabledLine>& lines,
                          const std::string& txn);

/// The mask of the vendor file `vendor_shown`: a header saying what it masks and why, then the
/// vendor file's text with `lines` disabled.
std::string mask_text(std::string_view vendor_bytes, const std::string& vendor_shown,
                      const std::vector<DisabledLine>& lines, const std::string& txn);

/// A unified diff (3 lines of context) from `before` (nullopt: no file, "/dev/null") to
/// `after`, labelled `a_label` and `b_label`. "" when equal.
std::string unified_diff(const std::string& a_label, const std::string& b_label,
                         const std::optional<std::string>& before, std::string_view after);

}  // namespace tcptune
