#include "apply/fix_files.hpp"

#include <unistd.h>

#include <algorithm>
#include <set>
#include <utility>

#include "apply/transaction.hpp"

namespace tcptune {

FileSnapshot read_fix_snapshot(const RootFs& fs, const std::string& in_root) {
  FileSnapshot snap;
  snap.real = in_root;
  snap.shown = fs.host_path(in_root);
  Result<EntryType> type = fs.entry_type(in_root);
  if (type.ok() && type.value() == EntryType::symlink) {
    Result<std::string> real = fs.resolve(in_root);
    if (!real.ok()) {
      snap.problem = real.error().message();
      return snap;
    }
    snap.real = real.value();
    snap.shown = fs.host_path(snap.real);
    if (snap.real != "/etc/sysctl.conf" && !vendor_path(in_root)) {
      snap.problem = fs.host_path(in_root) + " is a symbolic link (to " + snap.real +
                     "); tcptune edits through a link only to /etc/sysctl.conf";
      return snap;
    }
  }
  if (vendor_path(snap.real)) {
    // Only read (the mask is written elsewhere): through RootFs, links resolved in the root.
    Result<std::string> bytes = fs.read_file(snap.real, 4u << 20);
    if (!bytes.ok()) {
      snap.problem = bytes.error().message();
      return snap;
    }
    snap.bytes = bytes.value();
    if (Result<FileStat> st = fs.stat(snap.real); st.ok()) {
      snap.uid = static_cast<long>(st.value().uid);
      snap.gid = static_cast<long>(st.value().gid);
    }
    return snap;
  }
  Result<FragmentState> st = inspect_fragment(fs, snap.real);
  if (!st.ok()) {
    snap.problem = st.error().message();
    return snap;
  }
  snap.bytes = st.value().bytes;
  if (st.value().id) {
    const EntryId& id = *st.value().id;
    snap.mode = static_cast<int>(id.mode & 07777);
    snap.uid = static_cast<long>(id.uid);
    snap.gid = static_cast<long>(id.gid);
    if (id.uid != 0 && id.uid != ::geteuid())
      snap.problem = snap.shown + " is owned by uid " + std::to_string(id.uid) +
                     ", not root: tcptune does not edit a file another user owns (TT5009)";
    else if (id.nlink > 1)
      snap.problem = snap.shown + " has " + std::to_string(id.nlink) +
                     " hard links: replacing it would leave the other names with the old text; "
                     "tcptune does not edit it";
  }
  return snap;
}

std::map<std::string, std::string> absent_reasons(const ResolvedProfile& profile) {
  std::map<std::string, std::string> out;
  for (const ProfileSetting& s : profile.settings) {
    if (s.op != TargetOp::absent) continue;
    std::string why = s.rationale.substr(0, s.rationale.find("; "));
    why = why.substr(0, why.find(". "));
    out[s.path] = why.empty() ? "it is obsolete or harmful" : why;
  }
  return out;
}

FileFixPlan fold_fix_files(ApplyPlan& plan, const PlanInput& in, const ResolvedProfile& profile,
                           const PathParts& fragment, std::vector<Finding> findings,
                           const FileReader& read, const std::string& txn) {
  FixFilesInput fi;
  fi.boot_sets = in.boot_sets;
  fi.fragment_dir = fragment.dir;
  fi.fragment_name = fragment.name;
  fi.profile = profile.name;
  for (const FragmentLine& l : plan.lines) fi.fragment_values[l.path] = l.value;
  fi.shadows = plan.shadows;
  for (const ProfileSetting& s : profile.settings) fi.profile_paths.insert(s.path);
  fi.absent = absent_reasons(profile);
  fi.findings = std::move(findings);
  const std::vector<CondemnedLine> condemned = condemned_lines(fi);
  FileFixPlan fixes = plan_file_edits(condemned, read, txn);

  plan.refusals.insert(plan.refusals.end(), fixes.refusals.begin(), fixes.refusals.end());
  // The shadow refusal stands only for shadows --fix-files cannot take care of; only the lines
  // of files it will actually write count as fixed.
  std::set<std::string> written;
  for (const PlannedEdit& pe : fixes.edits)
    written.insert(pe.edit.kind == "mask" ? pe.masks_shown : pe.shown);
  std::vector<CondemnedLine> fixed;
  for (const CondemnedLine& c : condemned) {
    if (written.count(c.shown) != 0) fixed.push_back(c);
  }
  const bool all_fixed =
      std::all_of(plan.shadows.begin(), plan.shadows.end(),
                  [&](const Shadow& s) { return shadow_fixed(s, fixed, fi.fragment_values); });
  if (all_fixed) std::erase(plan.refusals, std::string(k_shadow_refusal));
  // The notes that say to remove a line by hand, for the lines it disables.
  std::set<std::string> disabled_keys;
  for (const PlannedEdit& pe : fixes.edits) {
    for (const DisabledLine& l : pe.lines) disabled_keys.insert(l.key);
  }
  std::erase_if(plan.notes, [&](const PlanNote& n) {
    return n.reason == NoteReason::set_elsewhere && disabled_keys.count(n.key) != 0;
  });
  if (!fixes.edits.empty()) plan.pending = true;
  return fixes;
}

}  // namespace tcptune
