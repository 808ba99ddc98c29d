#include "config/sysctl_d_set.hpp"

#include <algorithm>
#include <cerrno>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

#include <sys/stat.h>

#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"
#include "sys/root_fs.hpp"

namespace tcptune {

std::string_view to_string(Semantics s) { return s == Semantics::systemd ? "systemd" : "procps"; }

Semantics detect_semantics(const RootFs& fs) {
  for (const char* p :
       {"/run/systemd/system", "/usr/lib/systemd/systemd-sysctl", "/lib/systemd/systemd-sysctl"}) {
    if (fs.resolve(p).ok()) return Semantics::systemd;
  }
  for (const char* p : {"/sbin/sysctl", "/usr/sbin/sysctl", "/bin/sysctl", "/usr/bin/sysctl"}) {
    if (fs.resolve(p).ok()) return Semantics::procps;
  }
  return Semantics::systemd;
}

std::vector<std::string> sysctl_d_directories(Semantics s) {
  std::vector<std::string> dirs{"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d",
                                "/usr/lib/sysctl.d"};
  if (s == Semantics::procps) dirs.emplace_back("/lib/sysctl.d");
  return dirs;
}

namespace {

bool is_admin_dir(const std::string& dir) {
  return dir.rfind("/etc/", 0) == 0 || dir == "/etc" || dir.rfind("/run/", 0) == 0;
}

Finding read_error(const std::string& shown, const SysError& e) {
  Finding f;
  f.file = shown;
  f.severity = Severity::error;
  f.invalid_input = true;
  if (e.err == EFBIG) {
    f.code = "TT1009";
    f.message = "file not read: " + e.detail;
  } else {
    f.code = "TT1010";
    f.message = "cannot read file: " + e.message();
    if (e.err == EACCES || e.err == EPERM)
      f.message += " (permission denied: run as root, or fix the file's mode)";
  }
  return f;
}

// Reads within the set's budget (k_max_set_bytes): a file past it is EFBIG with a detail that
// names the set's limit, not the file's.
class ReadBudget {
 public:
  template <class Read>
  Result<std::string> read(Read&& read_at_most) {
    std::size_t limit = std::min(k_max_config_bytes, k_max_set_bytes - m_used);
    Result<std::string> r = read_at_most(limit);
    if (r.ok()) {
      m_used += r.value().size();
    } else if (r.error().err == EFBIG && limit < k_max_config_bytes) {
      SysError e = r.error();
      e.detail = "the files read before it hold " + std::to_string(m_used) +
                 " bytes, and a sysctl.d set is read up to " +
                 std::to_string(k_max_set_bytes >> 20) + " MiB in all";
      return e;
    }
    return r;
  }

 private:
  std::size_t m_used = 0;
};

// Who may write the configuration root applies at boot: root, and the owner of the --root tree
// (a fixture or an image a user unpacked). Anyone else who can write a sysctl.d directory, one
// of its parents, or a file in it can inject settings.
class TrustCheck {
 public:
  TrustCheck(const RootFs& fs, std::vector<TrustProblem>& out) : m_fs(fs), m_out(out) {
    if (Result<FileStat> st = fs.stat("/"); st.ok() && !fs.is_host_root()) {
      m_uid = st.value().uid;
      m_gid = st.value().gid;
    }
  }

  // The resolved in-root directory and each of its parents, from the root down.
  void directory(const std::string& real_dir) {
    std::string prefix;
    std::vector<std::string> chain{"/"};
    for (std::string_view part : split(real_dir, '/')) {
      if (part.empty()) continue;
      prefix += "/" + std::string(part);
      chain.push_back(prefix);
    }
    for (const std::string& d : chain) {
      if (!m_seen.insert(d).second) continue;
      if (Result<FileStat> st = m_fs.stat(d); st.ok())
        record(TrustProblem::Target::directory, d, real_dir, st.value());
    }
  }

  void file(const std::string& real_file) {
    if (!m_seen.insert(real_file).second) return;
    if (Result<FileStat> st = m_fs.stat(real_file); st.ok() && S_ISREG(st.value().mode))
      record(TrustProblem::Target::file, real_file, "", st.value());
  }

 private:
  [[nodiscard]] bool trusted_uid(std::uint32_t uid) const { return uid == 0 || uid == m_uid; }
  [[nodiscard]] bool trusted_gid(std::uint32_t gid) const { return gid == 0 || gid == m_gid; }

  void record(TrustProblem::Target target, const std::string& in_root,
              const std::string& config_dir, const FileStat& st) {
    TrustProblem t;
    if ((st.mode & S_IWOTH) != 0) {
      t.reason = TrustProblem::Reason::writable_by_all;
    } else if ((st.mode & S_IWGRP) != 0 && !trusted_gid(st.gid)) {
      t.reason = TrustProblem::Reason::writable_by_group;
    } else if (!trusted_uid(st.uid)) {
      t.reason = TrustProblem::Reason::foreign_owner;
    } else {
      return;
    }
    t.target = target;
    t.path = m_fs.host_path(in_root);
    t.config_dir = config_dir;
    t.mode = st.mode & 07777u;
    t.uid = st.uid;
    t.gid = st.gid;
    m_out.push_back(std::move(t));
  }

  const RootFs& m_fs;
  std::vector<TrustProblem>& m_out;
  std::uint32_t m_uid = 0;
  std::uint32_t m_gid = 0;
  std::set<std::string> m_seen;
};

}  // namespace

std::vector<ConfigFile> order_candidates(const std::vector<CandidateFile>& candidates,
                                         const std::vector<std::string>& dirs) {
  auto rank = [&](const std::string& dir) {
    auto it = std::find(dirs.begin(), dirs.end(), dir);
    return static_cast<std::size_t>(it - dirs.begin());
  };
  std::map<std::string, std::vector<const CandidateFile*>> by_name;
  for (const auto& c : candidates) by_name[c.name].push_back(&c);
  std::vector<ConfigFile> active;
  std::vector<ConfigFile> inactive;
  for (auto& [name, list] : by_name) {
    std::stable_sort(list.begin(), list.end(), [&](const CandidateFile* a, const CandidateFile* b) {
      return rank(a->dir) < rank(b->dir);
    });
    const CandidateFile* top = list.front();
    std::string top_path = top->dir + "/" + top->name;
    for (const CandidateFile* c : list) {
      ConfigFile f;
      f.dir = c->dir;
      f.name = c->name;
      f.path = c->dir + "/" + c->name;
      f.link_target = c->link_target;
      f.admin = is_admin_dir(c->dir);
      if (c == top) {
        f.role = c->masked ? FileRole::masked : FileRole::active;
      } else {
        f.role = top->masked ? FileRole::masked : FileRole::overridden;
        f.by = top_path;
      }
      (f.role == FileRole::active ? active : inactive).push_back(std::move(f));
    }
  }
  // by_name is a std::map: active files are already sorted by name across directories.
  active.insert(active.end(), std::make_move_iterator(inactive.begin()),
                std::make_move_iterator(inactive.end()));
  return active;
}

ConfigSet load_host_config(const RootFs& fs, Semantics semantics) {
  ConfigSet set;
  set.semantics = semantics;
  const std::vector<std::string> dirs = sysctl_d_directories(semantics);
  std::vector<CandidateFile> candidates;
  std::set<std::string> seen_real_dirs;
  TrustCheck trust(fs, set.trust);
  ReadBudget budget;
  for (const std::string& dir : dirs) {
    Result<std::string> real_dir = fs.resolve(dir);
    if (!real_dir.ok()) {
      if (real_dir.error().err != ENOENT && real_dir.error().err != ENOTDIR) {
        set.findings.push_back(read_error(fs.host_path(dir), real_dir.error()));
      }
      continue;
    }
    // Merged /usr: /lib is a link to /usr/lib; scanning it again would list every file twice.
    if (!seen_real_dirs.insert(real_dir.value()).second) continue;
    if (fs.is_directory(dir)) trust.directory(real_dir.value());
    Result<std::vector<DirEntry>> listing = fs.list_dir(dir);
    if (!listing.ok()) {
      Finding f = read_error(fs.host_path(dir), listing.error());
      // A file where the directory should be: both programs skip it (systemd at debug level),
      // so whatever it says is never applied.
      if (listing.error().err == ENOTDIR)
        f.message =
            "not a directory: systemd-sysctl and procps skip it, so nothing in it is "
            "applied (the files go in a directory of that name)";
      set.findings.push_back(std::move(f));
      continue;
    }
    for (const DirEntry& e : listing.value()) {
      // systemd (conf-files.c) skips hidden files; procps reads every name ending in .conf,
      // ".conf" itself and ".hidden.conf" included.
      if (e.name.size() < 5 || e.name.compare(e.name.size() - 5, 5, ".conf") != 0) continue;
      if (semantics == Semantics::systemd && (e.name.size() == 5 || e.name[0] == '.')) continue;
      if (e.type == EntryType::directory) {
        // systemd-sysctl 252 tries to read it: "Failed to read file ..., ignoring: Is a
        // directory", and exits 1; procps skips it. (Measured by tests/fidelity.)
        if (semantics == Semantics::systemd)
          set.program_errors.push_back({fs.host_path(dir + "/" + e.name),
                                        "Failed to read file, ignoring: Is a directory", true});
        continue;
      }
      CandidateFile c;
      c.dir = dir;
      c.name = e.name;
      std::string p = dir + "/" + e.name;
      if (e.type == EntryType::symlink) {
        Result<std::string> t = fs.read_link(p);
        if (t.ok()) c.link_target = t.value();
        if (c.link_target == "/dev/null") c.masked = true;
        Result<std::string> real = fs.resolve(p);
        if (real.ok() && real.value() == "/dev/null") c.masked = true;
      }
      if (!c.masked && e.type == EntryType::regular) {
        Result<std::string> content = fs.read_file(p, 1);
        if (content.ok() && content.value().empty()) c.masked = true;
      }
      candidates.push_back(std::move(c));
    }
  }
  set.files = order_candidates(candidates, dirs);
  for (ConfigFile& f : set.files) f.shown = fs.host_path(f.path);

  // /etc/sysctl.conf: does it exist, and does an active sysctl.d entry link to it?
  Result<std::string> conf_real = fs.resolve("/etc/sysctl.conf");
  set.sysctl_conf_exists = conf_real.ok();
  std::map<std::string, int> parsed_by_real;
  auto parse_at = [&](const std::string& in_root, const std::string& real) -> int {
    auto it = parsed_by_real.find(real);
    if (it != parsed_by_real.end()) return it->second;
    std::size_t slash = real.rfind('/');
    trust.directory(slash == 0 ? "/" : real.substr(0, slash));
    trust.file(real);
    Result<std::string> content =
        budget.read([&](std::size_t limit) { return fs.read_file(in_root, limit); });
    std::string shown = fs.host_path(real);
    if (!content.ok()) {
      set.findings.push_back(read_error(shown, content.error()));
      parsed_by_real[real] = -1;
      return -1;
    }
    set.parsed.push_back(parse_sysctl_d(std::move(content.value()), shown, semantics));
    int idx = static_cast<int>(set.parsed.size()) - 1;
    parsed_by_real[real] = idx;
    return idx;
  };
  for (ConfigFile& f : set.files) {
    if (f.role != FileRole::active) continue;
    Result<std::string> real = fs.resolve(f.path);
    if (!real.ok()) {
      f.shown = fs.host_path(f.path);
      set.findings.push_back(read_error(f.shown, real.error()));
      // A dangling link: systemd-sysctl skips it silently, procps says "cannot open" and
      // exits 1.
      if (semantics == Semantics::procps && real.error().err == ENOENT)
        set.program_errors.push_back(
            {f.shown, "cannot open \"" + f.path + "\": No such file or directory", true});
      continue;
    }
    f.shown = fs.host_path(real.value());
    f.parsed = parse_at(f.path, real.value());
    if (conf_real.ok() && real.value() == conf_real.value()) {
      set.sysctl_conf_linked = true;
      set.sysctl_conf_parsed = f.parsed;
      f.admin = true;
    }
  }
  if (set.sysctl_conf_exists) {
    if (semantics == Semantics::procps) {
      ConfigFile tail;
      tail.dir = "/etc";
      tail.name = "sysctl.conf";
      tail.path = "/etc/sysctl.conf";
      tail.shown = fs.host_path(conf_real.value());
      tail.tail = true;
      tail.parsed = parse_at("/etc/sysctl.conf", conf_real.value());
      set.sysctl_conf_parsed = tail.parsed;
      // Insert after the last active file.
      auto pos = std::find_if(set.files.begin(), set.files.end(),
                              [](const ConfigFile& f) { return f.role != FileRole::active; });
      set.files.insert(pos, std::move(tail));
    } else if (!set.sysctl_conf_linked) {
      // Parsed only to know whether it has assignments that systemd will never apply.
      Result<std::string> content =
          budget.read([&](std::size_t limit) { return fs.read_file("/etc/sysctl.conf", limit); });
      if (content.ok()) {
        set.parsed.push_back(
            parse_sysctl_d(std::move(content.value()), fs.host_path(conf_real.value()), semantics));
        set.sysctl_conf_parsed = static_cast<int>(set.parsed.size()) - 1;
      }
    }
  }
  return set;
}

ConfigSet load_explicit_config(const std::vector<std::string>& paths, Semantics semantics) {
  ConfigSet set;
  set.semantics = semantics;
  set.explicit_paths = true;
  std::vector<std::string> files;
  ReadBudget budget;
  for (const std::string& p : paths) {
    if (is_plain_directory(p)) {
      Result<std::vector<std::string>> list = list_conf_files(p);
      if (!list.ok()) {
        set.findings.push_back(read_error(p, list.error()));
        continue;
      }
      files.insert(files.end(), list.value().begin(), list.value().end());
    } else {
      files.push_back(p);
    }
  }
  for (const std::string& p : files) {
    ConfigFile f;
    f.path = p;
    f.shown = p;
    std::size_t slash = p.rfind('/');
    f.name = slash == std::string::npos ? p : p.substr(slash + 1);
    f.dir = slash == std::string::npos ? "." : p.substr(0, slash);
    f.admin = true;
    if (is_dev_null(p)) {  // a mask: applies nothing
      f.role = FileRole::masked;
      set.files.push_back(std::move(f));
      continue;
    }
    Result<std::string> content =
        budget.read([&](std::size_t limit) { return read_plain_file(p, limit); });
    if (!content.ok()) {
      set.findings.push_back(read_error(p, content.error()));
    } else {
      set.parsed.push_back(parse_sysctl_d(std::move(content.value()), p, semantics));
      f.parsed = static_cast<int>(set.parsed.size()) - 1;
    }
    set.files.push_back(std::move(f));
  }
  return set;
}

const SysctlEntry& entry_of(const ConfigSet& set, const Assignment& a) {
  return set.parsed[static_cast<std::size_t>(set.files[static_cast<std::size_t>(a.file)].parsed)]
      .entries[static_cast<std::size_t>(a.entry)];
}

const ParsedFile& parsed_of(const ConfigSet& set, const Assignment& a) {
  return set.parsed[static_cast<std::size_t>(set.files[static_cast<std::size_t>(a.file)].parsed)];
}

Resolution resolve_config(const ConfigSet& set, const KeySource* live) {
  Resolution res;
  enum class Via { key, glob };
  // The ordered map's nodes by their own keys, hashed: an assignment finds its key in one hash
  // search, and only a key seen first pays the ordered tree's string compares (a file that sets
  // 25,000 distinct keys 100,000 times made 1.5 million of them).
  using KeyIt = decltype(res.keys)::iterator;
  std::unordered_map<std::string_view, KeyIt> index;
  auto assign = [&](std::string_view path, std::string_view key, std::string_view value,
                    Assignment a, Via via) {
    KeyIt it;
    if (auto known = index.find(path); known != index.end()) {
      it = known->second;
      it->second.shadowed.push_back(it->second.winner);
    } else {
      it = res.keys.emplace_hint(res.keys.lower_bound(path), std::string(path), EffectiveKey{});
      it->second.path = path;
      index.emplace(it->first, it);
    }
    EffectiveKey& k = it->second;
    k.key = key;
    k.value = value;
    k.winner = a;
    k.from_glob = via == Via::glob;
  };
  auto expand = [&](const Assignment& a, const SysctlEntry& e) {
    if (live == nullptr) {
      res.unexpanded_globs.push_back(a);
      return std::vector<std::string>{};
    }
    std::vector<std::string> m = live->glob(e.path);
    if (m.empty()) res.empty_globs.push_back(a);
    return m;
  };

  // Every applied entry, in order (walked, not listed: 8 bytes a line for a long file).
  auto in_order = [&set](auto&& fn) {
    for (int fi = 0; fi < static_cast<int>(set.files.size()); ++fi) {
      const ConfigFile& f = set.files[static_cast<std::size_t>(fi)];
      if (f.role != FileRole::active || f.parsed < 0) continue;
      const ParsedFile& p = set.parsed[static_cast<std::size_t>(f.parsed)];
      for (int ei = 0; ei < static_cast<int>(p.entries.size()); ++ei) fn(Assignment{fi, ei});
    }
  };

  if (set.semantics == Semantics::procps) {
    // procps 4.x: a glob match is skipped when the path is explicitly assigned or excluded
    // anywhere in the set, before or after the glob; everything else is written in order.
    // Exclusions match exact keys only (pattern exclusions need 4.0.5).
    std::set<std::string, std::less<>> explicit_or_excluded;
    in_order([&](const Assignment& a) {
      const SysctlEntry& e = entry_of(set, a);
      if (!e.glob) explicit_or_excluded.emplace(e.path);
    });
    in_order([&](const Assignment& a) {
      const SysctlEntry& e = entry_of(set, a);
      if (e.kind == EntryKind::exclude) return;
      if (!e.glob) {
        assign(e.path, e.key, e.value, a, Via::key);
        return;
      }
      for (const std::string& m : expand(a, e)) {
        if (explicit_or_excluded.count(m) == 0) assign(m, path_to_key(m), e.value, a, Via::glob);
      }
    });
    return res;
  }

  // systemd: an ordered map from key text (exact key or glob pattern) to its last entry; an
  // exclusion replaces an earlier assignment of the same text, so that key (or glob) is not
  // written at all. A text assigned again with another value moves to the end of the order
  // ("Overwriting earlier assignment": systemd-sysctl removes the old entry and appends the new
  // one); the same value keeps its place. Glob matches skip every exact key present in the map,
  // assigned or excluded, and a glob later in the order overrides an earlier one's matches.
  // Hashed, by views of the entries' own paths (the set outlives this call): a file of many
  // distinct keys costs no string copies and no ordered-tree compares.
  struct Slot {
    std::optional<Assignment> last;
    std::size_t seq = 0;  ///< place in the order
  };
  std::unordered_map<std::string_view, Slot> last;
  std::size_t seq = 0;
  in_order([&](const Assignment& a) {
    const SysctlEntry& e = entry_of(set, a);
    auto [it, fresh] = last.try_emplace(e.path);
    Slot& slot = it->second;
    if (e.kind == EntryKind::exclude) {
      if (fresh) slot.seq = seq++;
      if (slot.last && !e.glob) {  // cancelled: never written
        if (auto k = index.find(e.path); k != index.end()) {
          KeyIt node = k->second;
          index.erase(k);  // before the node its key views
          res.keys.erase(node);
        }
      }
      slot.last = std::nullopt;
      return;
    }
    if (fresh || !slot.last || entry_of(set, *slot.last).value != e.value) slot.seq = seq++;
    slot.last = a;
    if (!e.glob) assign(e.path, e.key, e.value, a, Via::key);
  });
  std::vector<std::pair<std::size_t, const Assignment*>> globs;  // by place in the order
  for (const auto& [text, slot] : last)
    if (slot.last && entry_of(set, *slot.last).glob) globs.emplace_back(slot.seq, &*slot.last);
  std::sort(globs.begin(), globs.end());
  for (const auto& [place, glob] : globs) {
    const Assignment& a = *glob;
    const SysctlEntry& e = entry_of(set, a);
    for (const std::string& m : expand(a, e)) {
      auto hit = last.find(m);
      if (hit != last.end()) continue;  // an exact key assigned or excluded anywhere
      assign(m, path_to_key(m), e.value, a, Via::glob);
    }
  }
  return res;
}

}  // namespace tcptune
