#include "apply/fragment.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "config/sysctl_d_parser.hpp"
#include "core/text_util.hpp"

namespace tcptune {

namespace {

// Wraps a comment at about 96 columns.
void comment(std::string& out, std::string_view text) {
  std::string line = "#";
  for (std::string_view word : split_ws(text)) {
    if (line.size() + 1 + word.size() > 96 && line.size() > 1) {
      out += line;
      out += '\n';
      line.clear();
      line += '#';
    }
    line += " ";
    line += word;
  }
  out += line + "\n";
}

}  // namespace

std::string fragment_text(const FragmentHeader& h, const std::vector<FragmentLine>& lines) {
  std::string out;
  out += std::string(k_fragment_marker) + " " + h.version + " (profile " + h.profile +
         ", transaction " + h.transaction + ", " + h.time + ").\n";
  out +=
      "# Edits here are overwritten by the next `tcptune apply`; `tcptune rollback` restores the\n"
      "# previous state. To change a value, use a profile (tcptune.profile(5)) or a file of your\n"
      "# own that sorts after this one. A reference docs/facts.md#NAME is a section of tcptune's\n"
      "# facts document, in tcptune's documentation directory (/usr/share/doc/tcptune from the\n"
      "# Debian package).\n";
  for (const FragmentLine& l : lines) {
    out += "\n";
    comment(out, l.rationale);
    comment(out, "(" + l.profile + (l.reference.empty() ? "" : "; " + l.reference) + ")");
    out += l.key + " = " + l.value + "\n";
  }
  return out;
}

bool written_by_tcptune(std::string_view bytes) {
  return bytes.substr(0, k_fragment_marker.size()) == k_fragment_marker;
}

std::map<std::string, std::string> fragment_body(std::string_view bytes) {
  std::map<std::string, std::string> out;
  ParsedFile p = parse_sysctl_d(bytes, "fragment");
  for (const SysctlEntry& e : p.entries) {
    if (e.kind == EntryKind::assign) out[std::string(e.path)] = e.value;
  }
  return out;
}

PathParts split_in_root(std::string_view in_root) {
  std::size_t slash = in_root.rfind('/');
  if (slash == std::string_view::npos) return {"", std::string(in_root)};
  return {slash == 0 ? "/" : std::string(in_root.substr(0, slash)),
          std::string(in_root.substr(slash + 1))};
}

Result<void, std::string> check_fragment_path(std::string_view in_root) {
  if (in_root.empty() || in_root.front() != '/') return std::string("must be an absolute path");
  if (in_root.find('\0') != std::string_view::npos || in_root.find('\n') != std::string_view::npos)
    return std::string("must not contain NUL or newline characters");
  auto [dir, name] = split_in_root(in_root);
  for (std::string_view part : split(in_root, '/')) {
    if (part == "..") return std::string("must not contain '..'");
  }
  std::set<std::string> dirs;
  for (Semantics s : {Semantics::systemd, Semantics::procps}) {
    for (const std::string& d : sysctl_d_directories(s)) dirs.insert(d);
  }
  if (dirs.count(dir) == 0)
    return cat("must be a file directly in a sysctl.d directory (",
               join(std::vector<std::string>(dirs.begin(), dirs.end()), ", "), ")");
  if (name.size() <= 5 || name.compare(name.size() - 5, 5, ".conf") != 0 || name.front() == '.')
    return std::string(
        "the file name must end in .conf and not start with '.' (sysctl.d reads *.conf only)");
  return {};
}

namespace {

// Why an active file other than the fragment is applied after it at boot ("" when it is not):
// read last by procps, or sorted after the fragment's name.
std::string applied_after(const ConfigFile& f, const std::string& name) {
  if (f.tail) return "read last by `sysctl --system`";
  if (f.role == FileRole::active && f.name > name) return "sorts after " + name;
  return {};
}

}  // namespace

std::vector<std::string> unjudged_later_files(const ConfigSet& set, const std::string& dir,
                                              const std::string& name) {
  std::vector<std::string> out;
  for (const ConfigFile& f : set.files) {
    if (f.dir == dir && f.name == name) continue;  // the fragment itself
    if (f.role != FileRole::active || applied_after(f, name).empty()) continue;
    const std::string shown = f.shown.empty() ? f.path : f.shown;
    if (f.parsed < 0) {
      out.push_back(shown + " is read after the fragment at boot, and tcptune could not read it");
      continue;
    }
    for (const Finding& d : set.parsed[static_cast<std::size_t>(f.parsed)].diagnostics) {
      if (!d.invalid_input) continue;
      out.push_back(shown + ":" + std::to_string(d.line) +
                    " is read after the fragment at boot, and tcptune cannot read that line (" +
                    d.code + ": " + d.message + ")");
      break;  // one line names the file
    }
  }
  return out;
}

std::vector<Shadow> shadowing(const ConfigSet& set, const std::string& dir, const std::string& name,
                              const std::vector<std::string>& paths) {
  std::vector<Shadow> out;
  std::vector<std::string> dirs = sysctl_d_directories(set.semantics);
  auto prio = [&](const std::string& d) {
    auto it = std::find(dirs.begin(), dirs.end(), d);
    return it == dirs.end() ? dirs.size() : static_cast<std::size_t>(it - dirs.begin());
  };
  std::set<std::string> wanted(paths.begin(), paths.end());
  auto add = [&](const ConfigFile& f, const std::string& p, int line, const std::string& value,
                 const std::string& why) {
    Shadow s;
    s.path = p;
    s.key = p;
    std::replace(s.key.begin(), s.key.end(), '/', '.');
    s.file = f.shown.empty() ? f.path : f.shown;
    s.line = line;
    s.value = value;
    s.semantics = set.semantics;
    s.why = why;
    out.push_back(std::move(s));
  };
  for (const ConfigFile& f : set.files) {
    if (f.dir == dir && f.name == name) continue;  // the fragment itself
    bool whole = false;
    std::string why = applied_after(f, name);
    if (why.empty() && f.name == name && prio(f.dir) < prio(dir)) {
      whole = true;
      why = "replaces " + dir + "/" + name + " (same name, higher-priority directory)";
    }
    if (why.empty()) continue;
    if (whole) {
      for (const std::string& p : paths) add(f, p, 0, "", why);
      continue;
    }
    if (f.role != FileRole::active || f.parsed < 0) continue;
    const ParsedFile& pf = set.parsed[static_cast<std::size_t>(f.parsed)];
    for (const SysctlEntry& e : pf.entries) {
      if (e.kind != EntryKind::assign) continue;
      std::vector<std::string> hit;
      const std::string path(e.path);
      if (!e.glob) {
        if (wanted.count(path) != 0) hit.push_back(path);
      } else if (set.semantics == Semantics::procps) {
        // systemd never lets a glob override an explicit assignment; procps applies it.
        for (const std::string& p : paths) {
          if (::fnmatch(path.c_str(), p.c_str(), FNM_PATHNAME) == 0) hit.push_back(p);
        }
      }
      for (const std::string& p : hit) add(f, p, e.line, std::string(e.value), why);
    }
  }
  return out;
}

}  // namespace tcptune
