#pragma once
/// `apply --fix-files`: the lines of other sysctl files that the profile or the rules condemn,
/// commented out in the same transaction as the fragment. Pure: which lines (over the sysctl.d
/// sets already read), the new text of a file, the text of a mask for a vendor file, and the
/// unified diff shown by --dry-run. The transaction writes the files (transaction.cpp).

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "apply/fragment.hpp"
#include "apply/journal.hpp"
#include "config/sysctl_d_set.hpp"
#include "core/finding.hpp"

namespace tcptune {

/// The comment put above a line it disables: "# disabled by tcptune ID: REASON".
inline constexpr std::string_view k_disabled_marker = "# disabled by tcptune ";

/// Whether an in-root path is a vendor or runtime file (/usr/lib, /lib, /usr/local/lib, /run):
/// never edited, masked by a same-named file in /etc/sysctl.d instead.
bool vendor_path(std::string_view in_root);

/// Checks a path --fix-files may write (and a journal may name): /etc/sysctl.conf or a *.conf
/// file directly in an administrator's sysctl.d directory (/etc, /run); a mask only in
/// /etc/sysctl.d. The error says what is wrong.
enum class EditKind { edit, mask };
Result<void, std::string> check_edit_path(std::string_view in_root, EditKind kind);

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
  /// of these keys with another value overrides it at boot.
  std::map<std::string, std::string> fragment_values;
  /// The plan's shadows (apply/fragment.hpp shadowing()): the assignments that win over the
  /// fragment, in either semantics.
  std::vector<Shadow> shadows;
  /// Keys the profile wants absent (path → why), condemned in every file.
  std::map<std::string, std::string> absent;
  /// Every key the profile has a setting for: the rules' findings count only on these.
  std::set<std::string> profile_paths;
  /// The rules' findings over the host (warning and error count), where they point at a line
  /// of a file that wins over the fragment.
  std::vector<Finding> findings;
};

/// Every condemned line, once each, in file and line order: an assignment that wins over the
/// fragment with another value (a shadow), a key the profile wants absent (any file), a line a
/// rule condemns (warning or worse) for a key of the profile in a file that wins over the
/// fragment. Glob assignments are never condemned (commenting one out would change other keys);
/// a later assignment of the same value is harmless and left alone.
std::vector<CondemnedLine> condemned_lines(const FixFilesInput& in);

/// Whether a shadow is taken care of by `condemned` (its line is disabled) or harmless (the
/// same value as the fragment's). A shadow that replaces the whole fragment (line 0) or comes
/// from a glob is neither: --fix-files cannot fix it.
bool shadow_fixed(const Shadow& s, const std::vector<CondemnedLine>& condemned,
                  const std::map<std::string, std::string>& fragment_values);

/// A file as the caller found it (the only I/O of planning the edits is behind this).
struct FileSnapshot {
  std::string real;                  ///< in-root path of the file itself (a link resolved)
  std::string shown;                 ///< host path
  std::optional<std::string> bytes;  ///< nullopt: no file
  int mode = 0644;
  long uid = 0;
  long gid = 0;
  /// Set: why the file must not be touched (link, owner, unreadable).
  std::optional<std::string> problem;
};
using FileReader = std::function<FileSnapshot(const std::string& in_root)>;

/// One file --fix-files edits or creates.
struct PlannedEdit {
  JournalFileEdit edit;  ///< what the journal records (and the transaction writes)
  std::string shown;     ///< host path of edit.path
  std::string masks_shown;
  std::vector<DisabledLine> lines;
  std::string diff;  ///< unified diff, labels a/PATH b/PATH (in-root)
};

struct FileFixPlan {
  std::vector<PlannedEdit> edits;
  std::vector<std::string> refusals;  ///< files that cannot be fixed: apply must not start
};

/// Groups `condemned` by the real file, reads each through `read`, and decides: an
/// administrator's file is edited in place, a vendor file (vendor_path()) is masked by
/// /etc/sysctl.d/NAME (which must not exist). A line whose text is not what was parsed
/// (the file changed meanwhile), a file with a `problem`, a path check_edit_path() rejects:
/// refusals.
FileFixPlan plan_file_edits(const std::vector<CondemnedLine>& condemned, const FileReader& read,
                            const std::string& txn);

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
