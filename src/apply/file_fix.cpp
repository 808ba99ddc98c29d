#include "apply/file_fix.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "apply/fragment.hpp"
#include "core/text_util.hpp"

namespace tcptune {

namespace {

// The lines of a text, each with its line ending ("" for a last line without one).
std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    out.emplace_back(text.substr(start, end - start));
    start = end;
  }
  return out;
}

std::string one_line(std::string_view s) {
  std::string out;
  for (std::string_view w : split_ws(s)) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

struct Op {
  char kind;  // ' ', '-', '+'
  std::string text;
};

// Myers' O(ND) difference over lines; only the diagonals reached are kept per step, so memory
// grows with the square of the number of differences, not with the files.
std::vector<Op> diff_lines(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const int n = static_cast<int>(a.size());
  const int m = static_cast<int>(b.size());
  const int max = n + m;
  std::vector<int> v(2 * static_cast<std::size_t>(max) + 2, 0);
  auto at = [&](std::vector<int>& vec, int k) -> int& {
    return vec[static_cast<std::size_t>(k + max + 1)];
  };
  std::vector<std::vector<int>> trace;  // trace[d][k + d]: x before step d+1
  int final_d = 0;
  for (int d = 0; d <= max; ++d) {
    for (int k = -d; k <= d; k += 2) {
      int x =
          (k == -d || (k != d && at(v, k - 1) < at(v, k + 1))) ? at(v, k + 1) : at(v, k - 1) + 1;
      int y = x - k;
      while (x < n && y < m && a[static_cast<std::size_t>(x)] == b[static_cast<std::size_t>(y)]) {
        ++x;
        ++y;
      }
      at(v, k) = x;
    }
    std::vector<int> slice;
    for (int k = -d; k <= d; ++k) slice.push_back(at(v, k));
    trace.push_back(std::move(slice));
    bool done = false;
    for (int k = -d; k <= d && !done; k += 2) done = at(v, k) >= n && at(v, k) - k >= m;
    if (done) {
      final_d = d;
      break;
    }
  }
  std::vector<Op> out;
  int x = n;
  int y = m;
  for (int d = final_d; d >= 0; --d) {
    int k = x - y;
    int prev_k = 0;
    int prev_x = 0;
    if (d == 0) {
      prev_k = 0;
      prev_x = 0;
    } else {
      const std::vector<int>& pv = trace[static_cast<std::size_t>(d - 1)];
      auto pat = [&](int kk) { return pv[static_cast<std::size_t>(kk + d - 1)]; };
      prev_k = (k == -d || (k != d && pat(k - 1) < pat(k + 1))) ? k + 1 : k - 1;
      prev_x = pat(prev_k);
    }
    int prev_y = prev_x - prev_k;
    int snake_x = d == 0 ? 0 : (prev_k == k + 1 ? prev_x : prev_x + 1);
    while (x > snake_x && x > 0 && y > 0) {
      out.push_back({' ', a[static_cast<std::size_t>(x - 1)]});
      --x;
      --y;
    }
    if (d == 0) break;
    if (prev_k == k + 1) {
      out.push_back({'+', b[static_cast<std::size_t>(y - 1)]});
    } else {
      out.push_back({'-', a[static_cast<std::size_t>(x - 1)]});
    }
    x = prev_x;
    y = prev_y;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

void emit(std::string& out, const Op& op) {
  out += op.kind;
  out += op.text;
  if (op.text.empty() || op.text.back() != '\n') out += "\n\\ No newline at end of file\n";
}

}  // namespace

bool vendor_path(std::string_view in_root) {
  for (std::string_view prefix : {"/usr/lib/", "/lib/", "/usr/local/lib/", "/run/"}) {
    if (in_root.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

Result<void, std::string> check_edit_path(std::string_view in_root, EditKind kind) {
  if (kind == EditKind::edit && in_root == "/etc/sysctl.conf") return {};
  TCPTUNE_TRY(check_fragment_path(in_root));
  PathParts parts = split_in_root(in_root);
  if (kind == EditKind::mask) {
    if (parts.dir != "/etc/sysctl.d") return std::string("a mask is written only in /etc/sysctl.d");
  } else if (vendor_path(in_root)) {
    return std::string("a vendor file is never edited (it is masked from /etc/sysctl.d)");
  }
  return {};
}

namespace {

bool same_words(std::string_view a, std::string_view b) { return split_ws(a) == split_ws(b); }

std::string base_name(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The text of a line without its line ending.
std::string_view bare(std::string_view l) {
  while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.remove_suffix(1);
  return l;
}

}  // namespace

std::vector<CondemnedLine> condemned_lines(const FixFilesInput& in) {
  std::vector<CondemnedLine> out;
  std::set<std::pair<std::string, int>> seen;  // real file, line
  for (const ConfigSet* set : in.boot_sets) {
    for (const ConfigFile& f : set->files) {
      if (f.role != FileRole::active || f.parsed < 0) continue;
      if (f.dir == in.fragment_dir && f.name == in.fragment_name) continue;
      const bool wins = f.tail || f.name > in.fragment_name;
      const ParsedFile& pf = set->parsed[static_cast<std::size_t>(f.parsed)];
      for (const SysctlEntry& e : pf.entries) {
        if (e.kind != EntryKind::assign || e.glob) continue;
        const std::string path(e.path);
        const std::string key(e.key);
        std::string reason;
        auto fv = in.fragment_values.find(path);
        const bool shadows =
            fv != in.fragment_values.end() &&
            std::any_of(in.shadows.begin(), in.shadows.end(), [&](const Shadow& s) {
              return s.semantics == set->semantics && s.file == f.shown && s.line == e.line;
            });
        if (shadows && !same_words(e.value, fv->second)) {
          reason = "overrides " + key + " = " + fv->second + " of " + in.fragment_name +
                   " at boot (profile " + in.profile + ")";
        } else if (auto ab = in.absent.find(path); ab != in.absent.end()) {
          reason = "profile " + in.profile + " wants " + key + " absent: " + ab->second;
        } else if (wins && in.profile_paths.count(path) != 0 &&
                   (fv == in.fragment_values.end() || !same_words(e.value, fv->second))) {
          for (const Finding& fd : in.findings) {
            if (fd.severity < Severity::warning || fd.file != f.shown || fd.line != e.line)
              continue;
            reason = fd.code + " " + fd.message;
            break;
          }
        }
        if (reason.empty()) continue;
        if (!seen.insert({f.shown, e.line}).second) continue;
        CondemnedLine c;
        c.file = f.path;
        c.shown = f.shown;
        c.line.line = e.line;
        c.line.key = key;
        std::size_t idx = static_cast<std::size_t>(e.line - 1);
        c.line.text =
            idx < pf.line_count() ? std::string(pf.line_text(e.line)) : cat(key, " = ", e.value);
        c.line.reason = one_line(reason);
        out.push_back(std::move(c));
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const CondemnedLine& a, const CondemnedLine& b) {
    return a.shown != b.shown ? a.shown < b.shown : a.line.line < b.line.line;
  });
  return out;
}

bool shadow_fixed(const Shadow& s, const std::vector<CondemnedLine>& condemned,
                  const std::map<std::string, std::string>& fragment_values) {
  if (s.line <= 0) return false;
  for (const CondemnedLine& c : condemned) {
    if (c.shown == s.file && c.line.line == s.line) return true;
  }
  // A glob line is never condemned; its value may differ: not fixed.
  auto fv = fragment_values.find(s.path);
  return fv != fragment_values.end() && same_words(s.value, fv->second) &&
         s.key.find_first_of("*?[") == std::string::npos;
}

FileFixPlan plan_file_edits(const std::vector<CondemnedLine>& condemned, const FileReader& read,
                            const std::string& txn) {
  FileFixPlan out;
  // Group by the entry that names the file (a link such as 99-sysctl.conf and the file it
  // points to are the same file: grouped again by the real path below).
  std::map<std::string, std::vector<const CondemnedLine*>> by_entry;
  std::vector<std::string> order;
  for (const CondemnedLine& c : condemned) {
    auto [it, fresh] = by_entry.try_emplace(c.file);
    if (fresh) order.push_back(c.file);
    it->second.push_back(&c);
  }
  std::set<std::string> done;  // real paths
  for (const std::string& entry : order) {
    FileSnapshot snap = read(entry);
    if (snap.problem) {
      out.refusals.push_back("--fix-files: " + *snap.problem);
      continue;
    }
    if (!snap.bytes) {
      out.refusals.push_back("--fix-files: " + snap.shown + " is gone since it was read");
      continue;
    }
    // Every condemned line of this real file, from whichever entry named it.
    if (!done.insert(snap.real).second) continue;
    std::map<int, DisabledLine> lines;
    for (const auto& [other, cls] : by_entry) {
      if (other != entry && read(other).real != snap.real) continue;
      for (const CondemnedLine* c : cls) lines.emplace(c->line.line, c->line);
    }
    std::vector<std::string> have = lines_of(*snap.bytes);
    std::vector<DisabledLine> list;
    bool changed = false;
    for (const auto& [n, l] : lines) {
      std::size_t idx = static_cast<std::size_t>(n - 1);
      if (idx >= have.size() || bare(have[idx]) != bare(l.text)) changed = true;
      list.push_back(l);
    }
    if (changed) {
      out.refusals.push_back("--fix-files: " + snap.shown +
                             " changed while tcptune read it; run apply again");
      continue;
    }
    PlannedEdit pe;
    pe.lines = list;
    if (vendor_path(snap.real)) {
      std::string mask = "/etc/sysctl.d/" + base_name(entry);
      if (auto p = check_edit_path(mask, EditKind::mask); !p.ok()) {
        out.refusals.push_back("--fix-files: cannot mask " + snap.shown + " with " + mask + ": " +
                               p.error());
        continue;
      }
      FileSnapshot there = read(mask);
      if (there.problem || there.bytes) {
        out.refusals.push_back("--fix-files: cannot mask " + snap.shown + ": " +
                               (there.problem ? *there.problem : there.shown + " exists"));
        continue;
      }
      pe.edit.path = mask;
      pe.edit.kind = "mask";
      pe.edit.masks = snap.real;
      pe.edit.previous = std::nullopt;
      pe.edit.previous_mode = 0644;
      pe.edit.previous_uid = snap.uid;
      pe.edit.previous_gid = snap.gid;
      pe.edit.written = mask_text(*snap.bytes, snap.real, list, txn);
      pe.shown = there.shown;
      pe.masks_shown = snap.shown;
    } else {
      if (auto p = check_edit_path(snap.real, EditKind::edit); !p.ok()) {
        out.refusals.push_back("--fix-files: " + snap.shown + ": " + p.error());
        continue;
      }
      pe.edit.path = snap.real;
      pe.edit.kind = "edit";
      pe.edit.previous = snap.bytes;
      pe.edit.previous_mode = snap.mode;
      pe.edit.previous_uid = snap.uid;
      pe.edit.previous_gid = snap.gid;
      pe.edit.written = disable_lines(*snap.bytes, list, txn);
      pe.shown = snap.shown;
    }
    for (const DisabledLine& l : list)
      pe.edit.disabled.push_back(std::to_string(l.line) + ": " + std::string(bare(l.text)) + " (" +
                                 l.reason + ")");
    pe.diff = unified_diff("a" + (pe.edit.kind == "mask" ? snap.real : pe.edit.path),
                           "b" + pe.edit.path, pe.edit.previous, pe.edit.written);
    out.edits.push_back(std::move(pe));
  }
  return out;
}

std::string disable_lines(std::string_view bytes, const std::vector<DisabledLine>& lines,
                          const std::string& txn) {
  std::map<int, const DisabledLine*> by_line;
  for (const DisabledLine& l : lines) by_line.emplace(l.line, &l);
  std::string out;
  int n = 0;
  for (const std::string& l : lines_of(bytes)) {
    ++n;
    auto it = by_line.find(n);
    if (it == by_line.end()) {
      out += l;
      continue;
    }
    std::string eol = l.size() >= 2 && l.compare(l.size() - 2, 2, "\r\n") == 0 ? "\r\n" : "\n";
    out += std::string(k_disabled_marker) + txn + ": " + one_line(it->second->reason) + eol;
    out += "# " + l;
  }
  return out;
}

std::string mask_text(std::string_view vendor_bytes, const std::string& vendor_shown,
                      const std::vector<DisabledLine>& lines, const std::string& txn) {
  std::string out;
  out += "# Masks " + vendor_shown + " (a file of the same name here replaces it at boot).\n";
  out += "# Written by `tcptune apply --fix-files` (transaction " + txn +
         "): the vendor file's lines,\n";
  out += "# the condemned ones disabled. `tcptune rollback " + txn + "` removes this file.\n";
  out += disable_lines(vendor_bytes, lines, txn);
  return out;
}

std::string unified_diff(const std::string& a_label, const std::string& b_label,
                         const std::optional<std::string>& before, std::string_view after) {
  if (before && *before == after) return "";
  std::vector<std::string> a = before ? lines_of(*before) : std::vector<std::string>{};
  std::vector<std::string> b = lines_of(after);
  std::vector<Op> ops;
  if (a.empty()) {
    for (const std::string& l : b) ops.push_back({'+', l});
  } else {
    ops = diff_lines(a, b);
  }
  std::string out =
      "--- " + (before ? a_label : std::string("/dev/null")) + "\n+++ " + b_label + "\n";
  constexpr std::size_t k_context = 3;
  std::size_t i = 0;
  int a_line = 0;  // lines of a before ops[i]
  int b_line = 0;
  while (i < ops.size()) {
    // The next change.
    std::size_t first = i;
    while (first < ops.size() && ops[first].kind == ' ') ++first;
    if (first == ops.size()) break;
    std::size_t start = first >= i + k_context ? first - k_context : i;
    for (std::size_t j = i; j < start; ++j) {
      ++a_line;
      ++b_line;
    }
    // Extend while the gap to the next change is at most twice the context.
    std::size_t end = first;
    while (end < ops.size()) {
      std::size_t next = end;
      while (next < ops.size() && ops[next].kind != ' ') ++next;
      std::size_t same = next;
      while (same < ops.size() && ops[same].kind == ' ') ++same;
      if (same == ops.size() || same - next > 2 * k_context) {
        end = std::min(ops.size(), next + k_context);
        break;
      }
      end = same;
    }
    int a_len = 0;
    int b_len = 0;
    for (std::size_t j = start; j < end; ++j) {
      if (ops[j].kind != '+') ++a_len;
      if (ops[j].kind != '-') ++b_len;
    }
    out += "@@ -" + std::to_string(a_len == 0 ? a_line : a_line + 1) + "," + std::to_string(a_len) +
           " +" + std::to_string(b_len == 0 ? b_line : b_line + 1) + "," + std::to_string(b_len) +
           " @@\n";
    for (std::size_t j = start; j < end; ++j) emit(out, ops[j]);
    a_line += a_len;
    b_line += b_len;
    i = end;
  }
  return out;
}

}  // namespace tcptune
