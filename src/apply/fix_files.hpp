#pragma once
/// The --fix-files step of an apply: the files read (through RootFs, the one I/O here) and the
/// plan (apply/file_fix.hpp, pure) folded into the apply plan. The CLI only gathers the
/// findings and renders.

#include <map>
#include <string>
#include <vector>

#include "apply/file_fix.hpp"
#include "apply/fragment.hpp"
#include "apply/plan.hpp"
#include "core/finding.hpp"
#include "engine/profiles.hpp"
#include "sys/root_fs.hpp"

namespace tcptune {

/// A file --fix-files may edit, read without following a link except the one Debian's
/// 99-sysctl.conf is (to /etc/sysctl.conf); a `problem` when another user owns it, it has more
/// than one hard link, or it is another link. Vendor files are only read (a mask replaces them).
FileSnapshot read_fix_snapshot(const RootFs& fs, const std::string& in_root);

/// The keys `profile` wants absent, each with the reason its disabled lines carry: the first
/// sentence of the setting's rationale, so the comment stays one line.
std::map<std::string, std::string> absent_reasons(const ResolvedProfile& profile);

/// Plans --fix-files over `plan` and folds it in: the condemned lines (the plan's shadows, the
/// keys the profile wants absent, `findings` of the rules at warning or worse on the profile's
/// keys), the edits of the files `read` gives. The files that cannot be fixed are added to the
/// plan's refusals; the shadow refusal goes when every shadow is fixed by a file that will be
/// written (or harmless); the notes asking to remove a line by hand go for the lines disabled.
/// `plan.pending` is set when there is an edit.
FileFixPlan fold_fix_files(ApplyPlan& plan, const PlanInput& in, const ResolvedProfile& profile,
                           const PathParts& fragment, std::vector<Finding> findings,
                           const FileReader& read, const std::string& txn);

}  // namespace tcptune
