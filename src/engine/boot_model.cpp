#include "engine/boot_model.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <set>

#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"

namespace tcptune {

namespace {

// ---------------------------------------------------------------------------------------------
// The kernel's side (Linux 6.x): how a write to /proc/sys is parsed and checked.

struct Limits {
  long long min;
  long long max;
};

// Handlers with an enforced range (net/ipv4/sysctl_net_ipv4.c, net/ipv6/addrconf.c,
// net/core/sysctl_net_core.c): proc_dou8vec_minmax keys hold a byte (0..255 unless narrower),
// proc_dointvec_minmax keys with constant extra1/extra2. Every other integer key is a C int.
const std::map<std::string, Limits>& enforced_limits() {
  static const std::map<std::string, Limits> m{
      {"net/ipv4/tcp_syn_retries", {1, 127}},
      {"net/ipv4/tcp_synack_retries", {0, 255}},
      {"net/ipv4/tcp_keepalive_probes", {0, 255}},
      {"net/ipv4/tcp_timestamps", {0, 255}},
      {"net/ipv4/tcp_tw_reuse", {0, 2}},
      {"net/ipv4/tcp_ecn", {0, 2}},
      {"net/ipv4/tcp_sack", {0, 255}},
      {"net/ipv4/tcp_window_scaling", {0, 255}},
      {"net/ipv4/tcp_slow_start_after_idle", {0, 255}},
      {"net/ipv4/tcp_mtu_probing", {0, 255}},
      {"net/ipv4/tcp_syncookies", {0, 255}},
      {"net/ipv4/tcp_retries1", {0, 255}},
      {"net/ipv4/tcp_retries2", {0, 255}},
      {"net/ipv4/tcp_orphan_retries", {0, 255}},
      {"net/ipv4/tcp_fastopen", {INT_MIN, INT_MAX}},
      {"net/ipv4/tcp_rmem", {1, INT_MAX}},
      {"net/ipv4/tcp_wmem", {1, INT_MAX}},
      {"net/ipv4/ip_local_port_range", {1, 65535}},
      {"net/ipv4/ipfrag_high_thresh", {0, LLONG_MAX}},
      {"net/ipv4/ipfrag_low_thresh", {0, LLONG_MAX}},
      {"net/core/somaxconn", {0, INT_MAX}},
  };
  return m;
}

bool is_ipv6_hop_limit(const std::string& path) {
  return path.rfind("net/ipv6/conf/", 0) == 0 &&
         path.size() > 10 && path.compare(path.size() - 10, 10, "/hop_limit") == 0;
}

Limits limits_for(const std::string& path) {
  if (auto it = enforced_limits().find(path); it != enforced_limits().end()) return it->second;
  if (is_ipv6_hop_limit(path)) return {1, 255};
  return {INT_MIN, INT_MAX};
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// proc_get_long(): optional '-', then digits (base 0 as simple_strtoul: 0x.. hex, 0.. octal);
// the character after the number must be a separator (space, tab, newline) or the end.
struct Parsed {
  bool ok = false;
  long long value = 0;
  std::size_t next = 0;
};

Parsed get_long(const std::string& s, std::size_t p) {
  Parsed r;
  bool neg = false;
  if (p < s.size() && s[p] == '-') {
    neg = true;
    ++p;
  }
  if (p >= s.size() || s[p] < '0' || s[p] > '9') return r;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str() + p, &end, 0);
  std::size_t q = static_cast<std::size_t>(end - s.c_str());
  if (errno == ERANGE || v > static_cast<unsigned long long>(LLONG_MAX)) return r;
  if (q < s.size() && !is_space(s[q])) return r;
  r.ok = true;
  r.value = neg ? -static_cast<long long>(v) : static_cast<long long>(v);
  r.next = q;
  return r;
}

std::size_t skip_spaces(const std::string& s, std::size_t p) {
  while (p < s.size() && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\v' ||
                          s[p] == '\f' || s[p] == '\r'))
    ++p;
  return p;
}

std::vector<std::string> fields(const std::string& v) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool all_integers(const std::vector<std::string>& f) {
  if (f.empty()) return false;
  for (const std::string& x : f) {
    std::size_t i = x[0] == '-' ? 1 : 0;
    if (i >= x.size()) return false;
    for (; i < x.size(); ++i)
      if (x[i] < '0' || x[i] > '9') return false;
  }
  return true;
}

std::string join_fields(const std::vector<long long>& v) {
  std::string s;
  for (long long x : v) s += (s.empty() ? "" : " ") + std::to_string(x);
  return s;
}

}  // namespace

KernelVerdict kernel_write(const std::string& path, const std::string& text,
                           const std::string& current,
                           const std::map<std::string, std::string>& state) {
  KernelVerdict v;
  std::vector<std::string> cur = fields(current);
  if (!all_integers(cur)) {
    // A string key: the kernel takes the text up to the newline; the handlers of net.* string
    // keys (congestion control, ...) look the whole text up, so trailing text is part of it.
    std::string t = text.substr(0, text.find('\n'));
    if (t.empty()) {
      v.error = "EINVAL: an empty value";
      return v;
    }
    if (path == "net/ipv4/tcp_congestion_control") {
      auto it = state.find("net/ipv4/tcp_available_congestion_control");
      std::vector<std::string> avail = it == state.end() ? std::vector<std::string>{"reno", "cubic"}
                                                         : fields(it->second);
      if (std::find(avail.begin(), avail.end(), t) == avail.end()) {
        v.error = "ENOENT: '" + t + "' is not an available congestion control (" +
                  (it == state.end() ? "reno cubic" : it->second) + ")";
        return v;
      }
    }
    v.value = t;
    return v;
  }
  std::size_t count = cur.size();
  Limits lim = limits_for(path);
  std::vector<long long> out;
  for (const std::string& c : cur) out.push_back(std::atoll(c.c_str()));
  const bool all_or_nothing = path == "net/ipv4/ip_local_port_range" ||
                              enforced_limits().count(path) != 0 || is_ipv6_hop_limit(path);
  std::vector<long long> staged = out;
  std::size_t p = 0;
  std::size_t parsed = 0;
  std::string err;
  for (std::size_t i = 0; i < count; ++i) {
    p = skip_spaces(text, p);
    if (p >= text.size()) break;
    Parsed r = get_long(text, p);
    if (!r.ok) {
      err = "EINVAL: '" + text + "' is not " + (count == 1 ? "an integer" : "integers") +
            " as the kernel reads them";
      break;
    }
    if (r.value < lim.min || r.value > lim.max) {
      err = "EINVAL: " + std::to_string(r.value) + " is outside " + std::to_string(lim.min) +
            ".." + std::to_string(lim.max) + ", the range the kernel enforces";
      break;
    }
    staged[i] = r.value;
    if (!all_or_nothing) out[i] = r.value;  // proc_dointvec stores each field as it goes
    ++parsed;
    p = r.next;
  }
  if (err.empty() && parsed == 0) err = "EINVAL: an empty value";
  if (err.empty() && path == "net/ipv4/ip_local_port_range" && staged[1] < staged[0])
    err = "EINVAL: the range ends before it starts";
  if (err.empty() && (path == "net/ipv4/ipfrag_high_thresh" ||
                      path == "net/ipv4/ipfrag_low_thresh")) {
    bool high = path == "net/ipv4/ipfrag_high_thresh";
    auto it = state.find(high ? "net/ipv4/ipfrag_low_thresh" : "net/ipv4/ipfrag_high_thresh");
    if (it != state.end()) {
      long long other = std::atoll(it->second.c_str());
      if (high && staged[0] < other)
        err = "EINVAL: below ipfrag_low_thresh (" + it->second + ") at the time of the write";
      if (!high && staged[0] > other)
        err = "EINVAL: above ipfrag_high_thresh (" + it->second + ") at the time of the write";
    }
  }
  if (!err.empty()) {
    v.error = err;
    if (!all_or_nothing && parsed > 0) {
      // Fields before the bad one were stored: the value changed although the write failed.
      v.value = join_fields(out);
    }
    return v;
  }
  v.value = join_fields(all_or_nothing ? staged : out);
  return v;
}

namespace {

// ---------------------------------------------------------------------------------------------
// The program's side: lines and keys.

struct ProgramEntry {
  int line = 0;
  std::string id;    ///< systemd: the normalized key text (its map key)
  std::string path;  ///< relative /proc/sys path written (after the kernel's path lookup)
  std::string raw_key;
  std::optional<std::string> value;  ///< nullopt: an exclusion ("-key")
  bool ignore_failure = false;
  bool glob = false;
  std::string refuse;  ///< non-empty: the program or the path lookup fails for this key
  bool silent = false; ///< nothing happens and nothing is said (procps "- key")
};

bool has_glob(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

std::string swap_if_dotted(std::string_view k) {
  std::size_t first = k.find_first_of("./");
  std::string s(k);
  if (first == std::string_view::npos || k[first] == '/') return s;
  for (char& c : s) c = c == '.' ? '/' : c == '/' ? '.' : c;
  return s;
}

// Splits a path into components; `dots` resolves '..' as the kernel's path lookup does.
std::vector<std::string> components(const std::string& p, bool resolve_dotdot, bool& escaped) {
  std::vector<std::string> out;
  escaped = false;
  for (std::string_view c : split(p, '/')) {
    if (c.empty() || c == ".") continue;
    if (c == ".." && resolve_dotdot) {
      if (out.empty()) {
        escaped = true;
      } else {
        out.pop_back();
      }
      continue;
    }
    out.emplace_back(c);
  }
  return out;
}

std::string join_path(const std::vector<std::string>& c) {
  std::string s;
  for (const std::string& x : c) s += (s.empty() ? "" : "/") + x;
  return s;
}

std::vector<std::pair<int, std::string>> split_lines(const std::string& raw, Semantics sem) {
  std::vector<std::pair<int, std::string>> out;
  int line = 1;
  std::string cur;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    bool eol = c == '\n' || (sem == Semantics::systemd && (c == '\r' || c == '\0'));
    if (!eol) {
      cur += c;
      continue;
    }
    if (sem == Semantics::systemd && c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    out.emplace_back(line++, cur);
    cur.clear();
  }
  if (!cur.empty()) out.emplace_back(line, cur);
  if (sem == Semantics::procps) {
    for (auto& [n, text] : out) {
      if (std::size_t z = text.find('\0'); z != std::string::npos) text.resize(z);
    }
  }
  return out;
}

std::string strip(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  auto sp = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  while (b < e && sp(s[b])) ++b;
  while (e > b && sp(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

std::optional<ProgramEntry> read_systemd(int line, const std::string& text) {
  std::string p = strip(text);
  if (p.empty() || p[0] == '#' || p[0] == ';') return std::nullopt;
  ProgramEntry e;
  e.line = line;
  std::size_t eq = p.find('=');
  std::string key;
  if (eq != std::string::npos) {
    key = p.substr(0, eq);
    if (!key.empty() && key[0] == '-') {
      e.ignore_failure = true;
      key.erase(0, 1);
    }
    e.value = strip(p.substr(eq + 1));
  } else {
    if (p[0] != '-') {
      e.refuse = "line is not an assignment";
      e.raw_key = p;
      return e;
    }
    key = p.substr(1);
  }
  key = strip(key);
  e.raw_key = key;
  std::string swapped = swap_if_dotted(key);
  bool escaped = false;
  std::vector<std::string> comps = components(swapped, false, escaped);
  // path_simplify(): no '//', no '.' components, no trailing '/'; a leading '/' stays in the
  // map key. sysctl_write() refuses a path with '..' (not normalized).
  e.id = (swapped.size() > 0 && swapped[0] == '/' ? "/" : "") + join_path(comps);
  e.path = join_path(comps);
  e.glob = has_glob(e.path);
  if (std::find(comps.begin(), comps.end(), "..") != comps.end())
    e.refuse = "systemd-sysctl refuses a key with a '..' component (\"Invalid argument\")";
  if (e.path.empty()) e.refuse = "empty key";
  return e;
}

std::optional<ProgramEntry> read_procps(int line, const std::string& text) {
  std::string t = strip(text);
  if (t.size() < 2 || t[0] == '#' || t[0] == ';') return std::nullopt;
  ProgramEntry e;
  e.line = line;
  std::size_t eq = t.find('=');
  if (eq == std::string::npos || eq == 0) {
    e.refuse = "invalid syntax (no '=')";
    e.raw_key = t;
    return e;
  }
  std::string name = strip(t.substr(0, eq));
  std::string value = t.substr(eq + 1);
  std::size_t b = value.find_first_not_of(" \t");
  value = b == std::string::npos ? "" : value.substr(b);
  e.value = value;
  if (!name.empty() && name[0] == '-') {
    e.ignore_failure = true;
    name.erase(0, 1);
    if (!name.empty() && name[0] == '-') name.erase(0, 1);  // WriteSetting strips one more
  }
  e.raw_key = name;
  if (name.empty() || name[0] == ' ' || name[0] == '\t') {
    e.silent = e.ignore_failure;
    e.refuse = "cannot stat /proc/sys/" + name;
    return e;
  }
  std::string swapped = swap_if_dotted(name);
  bool escaped = false;
  std::vector<std::string> comps = components(swapped, true, escaped);
  e.path = join_path(comps);
  e.id = e.path;
  e.glob = has_glob(e.path);
  if (escaped || e.path.empty()) e.refuse = "the key leaves /proc/sys";
  if (swapped.back() == '/') e.refuse = "cannot stat " + swapped + " (a trailing separator)";
  return e;
}

// ---------------------------------------------------------------------------------------------

class Simulation {
 public:
  Simulation(const ConfigSet& set, const KeySource& live,
             const std::function<bool(const std::string&)>& writable)
      : m_set(set), m_live(live), m_writable(writable) {
    m_model.semantics = set.semantics;
  }

  BootModel run() {
    struct Item {
      const ConfigFile* file;
      ProgramEntry e;
    };
    std::vector<Item> items;
    for (const ConfigFile& f : m_set.files) {
      if (f.role != FileRole::active || f.parsed < 0) continue;
      const ParsedFile& pf = m_set.parsed[static_cast<std::size_t>(f.parsed)];
      for (auto& [n, text] : split_lines(pf.raw, m_set.semantics)) {
        std::optional<ProgramEntry> e = m_set.semantics == Semantics::systemd
                                            ? read_systemd(n, text)
                                            : read_procps(n, text);
        if (e) items.push_back({&f, std::move(*e)});
      }
    }
    auto write_of = [](const Item& it, const std::string& value) {
      BootWrite w;
      w.file = it.file->shown;
      w.line = it.e.line;
      w.key = it.e.raw_key;
      w.value = value;
      w.glob = it.e.glob;
      return w;
    };
    if (m_set.semantics == Semantics::procps) {
      std::set<std::string> explicit_paths;
      for (const Item& it : items)
        if (!it.e.glob && it.e.refuse.empty()) explicit_paths.insert(it.e.path);
      for (const Item& it : items) {
        if (!it.e.refuse.empty()) {
          if (!it.e.silent && !it.e.ignore_failure) note(it.file->shown, it.e.line, it.e.refuse);
          continue;
        }
        if (!it.e.value) continue;
        if (!it.e.glob) {
          write(it.e.path, write_of(it, *it.e.value), it.e.ignore_failure);
          continue;
        }
        for (const std::string& m : m_live.glob(it.e.path)) {
          if (explicit_paths.count(m) == 0) write(m, write_of(it, *it.e.value), true);
        }
      }
      return finish();
    }
    // systemd: an ordered map by key text; re-assigning a different value moves the key to
    // the end ("Overwriting earlier assignment"); the same value keeps its place.
    std::vector<const Item*> order;
    std::map<std::string, std::size_t> pos;
    for (const Item& it : items) {
      if (!it.e.refuse.empty() && it.e.id.empty()) {
        note(it.file->shown, it.e.line, it.e.refuse);
        continue;
      }
      auto found = pos.find(it.e.id);
      if (found != pos.end()) {
        const Item* old = order[found->second];
        if (old != nullptr && old->e.value == it.e.value) continue;
        if (old != nullptr && old->e.value) {
          BootWrite w = write_of(*old, *old->e.value);
          w.outcome = "shadowed";
          w.reason = "overwritten by " + it.file->shown + ":" + std::to_string(it.e.line) +
                     " before anything was written";
          m_model.keys[old->e.glob ? old->e.id : old->e.path].shadowed.push_back(w);
        }
        order[found->second] = nullptr;
      }
      pos[it.e.id] = order.size();
      order.push_back(&it);
    }
    for (const Item* it : order) {
      if (it == nullptr || !it->e.value) continue;
      if (!it->e.refuse.empty()) {
        if (!it->e.ignore_failure) note(it->file->shown, it->e.line, it->e.refuse);
        continue;
      }
      if (!it->e.glob) {
        write(it->e.path, write_of(*it, *it->e.value), it->e.ignore_failure, true);
        continue;
      }
      for (const std::string& m : m_live.glob(it->e.path)) {
        if (pos.count(m) != 0) continue;  // an exact key of the set, assigned or excluded
        write(m, write_of(*it, *it->e.value), it->e.ignore_failure, true);
      }
    }
    return finish();
  }

 private:
  std::string current(const std::string& path) {
    auto it = m_state.find(path);
    if (it != m_state.end()) return it->second;
    KeyRead r = m_live.read(path);
    std::string v = r.status == KeyStatus::value ? join_text(r.value) : "";
    m_state[path] = v;
    return v;
  }

  static std::string join_text(const std::string& v) {
    std::string s;
    for (const std::string& f : fields(v)) s += (s.empty() ? "" : " ") + f;
    return s;
  }

  void note(const std::string& file, int line, const std::string& message) {
    Finding f;
    f.code = "TT1013";
    f.severity = Severity::info;
    f.file = file;
    f.line = line;
    f.message = std::string(to_string(m_set.semantics) == "systemd" ? "systemd-sysctl"
                                                                       : "sysctl --system") +
                ": " + message;
    m_model.notes.push_back(std::move(f));
    m_model.exit_status = 1;
  }

  void write(const std::string& path, BootWrite w, bool ignore_failure, bool suppress = false) {
    BootKey& k = m_model.keys[path];
    k.path = path;
    k.key = path_to_key(path);
    if (!m_live.exists(path)) {
      w.outcome = "refused";
      w.reason = "ENOENT: no such key on this kernel";
      k.refused.push_back(w);
      if (!ignore_failure) note(w.file, w.line, "cannot write " + k.key + ": no such key");
      return;
    }
    std::string cur = current(path);
    if (suppress && w.value == cur) {  // "No change in value, suppressing write"
      w.outcome = "suppressed";
      w.reason = "the kernel already holds this value: systemd-sysctl does not write it";
      k.shadowed.push_back(w);
      return;
    }
    if (!m_writable(path)) {
      w.outcome = "refused";
      w.reason = "EACCES: a read-only key";
      k.refused.push_back(w);
      if (!ignore_failure) note(w.file, w.line, "cannot write " + k.key + ": read-only");
      return;
    }
    KernelVerdict v = kernel_write(path, w.value, cur, m_state);
    if (!v.error.empty()) {
      w.outcome = "refused";
      w.reason = v.error;
      k.refused.push_back(w);
      note(w.file, w.line, "the kernel refuses " + k.key + " = " + w.value + " (" + v.error + ")");
      if (v.value) set(path, *v.value, w);
      return;
    }
    set(path, *v.value, w);
    propagate(path, *v.value, w);
  }

  void set(const std::string& path, const std::string& value, const BootWrite& w) {
    BootKey& k = m_model.keys[path];
    k.path = path;
    k.key = path_to_key(path);
    if (k.winner) {
      BootWrite old = *k.winner;
      old.outcome = "shadowed";
      old.reason = "overwritten by " + w.file + ":" + std::to_string(w.line);
      k.shadowed.push_back(old);
    }
    BootWrite nw = w;
    nw.outcome = "written";
    k.winner = nw;
    k.value = value;
    k.propagated_from.clear();
    m_state[path] = value;
    m_explicit.insert(path);
  }

  // The kernel copies some writes to other keys: IPv4 conf/default/X to every interface whose X
  // was never written (devinet_copy_dflt_conf), conf/all/forwarding (= ip_forward) to default
  // and every interface (inet_forward_change).
  void propagate(const std::string& path, const std::string& value, const BootWrite& w) {
    const std::string v4 = "net/ipv4/conf/";
    auto copy_to = [&](const std::string& target) {
      if (!m_live.exists(target)) return;
      BootKey& k = m_model.keys[target];
      k.path = target;
      k.key = path_to_key(target);
      k.value = value;
      k.propagated_from = path_to_key(path) + " (" + w.file + ":" + std::to_string(w.line) + ")";
      m_state[target] = value;
    };
    std::vector<std::string> ifaces;
    for (const std::string& d : m_live.list("net/ipv4/conf"))
      if (d != "all" && d != "default") ifaces.push_back(d);
    if (path == "net/ipv4/ip_forward" || path == v4 + "all/forwarding") {
      copy_to(path == "net/ipv4/ip_forward" ? v4 + "all/forwarding" : "net/ipv4/ip_forward");
      copy_to(v4 + "default/forwarding");
      for (const std::string& i : ifaces) copy_to(v4 + i + "/forwarding");
      return;
    }
    if (path.rfind(v4 + "default/", 0) == 0) {
      std::string name = path.substr(v4.size() + 8);
      if (name == "forwarding") return;
      for (const std::string& i : ifaces) {
        std::string target = v4 + i + "/" + name;
        if (m_explicit.count(target) == 0) copy_to(target);
      }
    }
  }

  BootModel finish() { return std::move(m_model); }

  const ConfigSet& m_set;
  const KeySource& m_live;
  const std::function<bool(const std::string&)>& m_writable;
  BootModel m_model;
  std::map<std::string, std::string> m_state;
  std::set<std::string> m_explicit;
};

}  // namespace

BootModel simulate_boot(const ConfigSet& set, const KeySource& live,
                        const std::function<bool(const std::string&)>& writable) {
  return Simulation(set, live, writable).run();
}

}  // namespace tcptune
