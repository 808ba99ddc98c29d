#include "engine/boot_model.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <list>
#include <set>
#include <unordered_map>

#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"

namespace tcptune {

namespace {

// ---------------------------------------------------------------------------------------------
// The kernel's side (Linux 6.x, verified on 6.18): how a write to /proc/sys is parsed and checked.
// Both programs write the value followed by a newline; the integer handlers parse at most the
// first 4095 bytes (a page less one).

constexpr std::size_t k_kernel_parse_bytes = 4095;

// proc_get_long(): optional '-', then a digit, then simple_strtoul(base 0: 0x.. hex, 0.. octal);
// a token of 21 characters or more, or an overflow, is EINVAL; the character after the number
// must be a blank (' ', '\t', '\n') or the end of the write.
struct Parsed {
  bool ok = false;
  bool negative = false;
  unsigned long long magnitude = 0;
  std::size_t next = 0;
};

Parsed get_long(const std::string& s, std::size_t p) {
  Parsed r;
  std::size_t start = p;
  if (p < s.size() && s[p] == '-' && s.size() - p > 1) {
    r.negative = true;
    ++p;
  }
  if (p >= s.size() || s[p] < '0' || s[p] > '9') return r;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str() + p, &end, 0);
  std::size_t q = static_cast<std::size_t>(end - s.c_str());
  if (errno == ERANGE || q - start >= 21) return r;
  if (q < s.size() && s[q] != ' ' && s[q] != '\t' && s[q] != '\n') return r;
  r.ok = true;
  r.magnitude = v;
  r.next = q;
  return r;
}

std::vector<std::string> fields(const std::string& v) {
  std::vector<std::string> out;
  for (std::string_view f : split_ws(v)) out.emplace_back(f);
  return out;
}

bool all_integers(const std::vector<std::string>& f) {
  if (f.empty()) return false;
  for (const std::string& x : f)
    if (!parse_kernel_int(x)) return false;
  return true;
}

std::string join_fields(const std::vector<long long>& v) {
  std::string s;
  for (long long x : v) {
    if (!s.empty()) s += ' ';
    s += std::to_string(x);
  }
  return s;
}

long long state_int(const std::map<std::string, std::string>& state, const std::string& path,
                    std::size_t field, long long fallback) {
  auto it = state.find(path);
  if (it == state.end()) return fallback;
  std::vector<std::string> f = fields(it->second);
  if (field >= f.size()) return fallback;
  return parse_kernel_int(f[field]).value_or(fallback);
}

// The kernel's list of port ranges (proc_do_large_bitmap): "8080,9000-9010"; blanks are EINVAL.
std::optional<std::string> port_list(std::string t) {
  while (!t.empty() && (t.back() == '\n')) t.pop_back();
  if (t.empty()) return std::string();
  std::vector<std::pair<long long, long long>> ranges;
  for (std::string_view item : split(t, ',')) {
    std::size_t dash = item.find('-');
    std::string lo(item.substr(0, dash));
    std::string hi(dash == std::string_view::npos ? lo : std::string(item.substr(dash + 1)));
    auto a = parse_kernel_int(lo);
    auto b = parse_kernel_int(hi);
    if (lo.empty() || hi.empty() || !a || !b || *a < 0 || *b > 65535 || *a > *b)
      return std::nullopt;
    for (char c : lo + hi)
      if (c < '0' || c > '9') return std::nullopt;
    ranges.emplace_back(*a, *b);
  }
  std::sort(ranges.begin(), ranges.end());
  std::string out;
  long long lo = -2;
  long long hi = -2;
  auto flush = [&] {
    if (lo < 0) return;
    out +=
        (out.empty() ? "" : ",") + std::to_string(lo) + (hi > lo ? "-" + std::to_string(hi) : "");
  };
  for (auto [a, b] : ranges) {
    if (a <= hi + 1) {
      hi = std::max(hi, b);
      continue;
    }
    flush();
    lo = a;
    hi = b;
  }
  flush();
  return out;
}

}  // namespace

KernelVerdict kernel_write(const std::string& path, const std::string& text,
                           const std::string& current,
                           const std::map<std::string, std::string>& state, const KeyInfo* info,
                           NetnsKind netns) {
  KernelVerdict v;
  const std::string written = text + "\n";
  KernelLimits lim;
  if (info != nullptr) lim = info->kernel;
  std::vector<std::string> cur = fields(current);
  if (path == "net/ipv4/ip_local_reserved_ports") lim.kind = KeyType::port_list;
  if (lim.kind == KeyType::other) {
    // A handler tcptune does not know: integers when the key reads as integers.
    if (all_integers(cur)) {
      lim.kind = KeyType::int_;
      lim.count = static_cast<int>(cur.size());
    } else {
      lim.kind = KeyType::string;
    }
  }
  if (path == "net/ipv4/ip_local_port_range") {
    lim = KernelLimits{KeyType::int_, 2, 1, 65535};
  }
  // ipv4_ping_group_range (net/ipv4/sysctl_net_ipv4.c): proc_doulongvec_minmax into a copy,
  // each gid at most GID_T_MAX (4294967294); stored only when the whole write parsed.
  const bool ping_groups = path == "net/ipv4/ping_group_range";
  if (ping_groups) lim = KernelLimits{KeyType::ulong_, 2, 0, 4294967294};
  if (lim.kind == KeyType::port_list) {
    std::optional<std::string> list = port_list(written);
    if (!list) {
      v.error = "EINVAL: not a list of ports and ranges such as 8080,9000-9010";
      return v;
    }
    v.value = *list;
    return v;
  }
  if (lim.kind == KeyType::string || lim.kind == KeyType::vector) {
    // proc_dostring: the text up to the first newline, trailing text included.
    std::string t = text.substr(0, text.find('\n'));
    if (path == "net/ipv4/tcp_congestion_control") {
      auto avail = state.find("net/ipv4/tcp_available_congestion_control");
      auto allowed = state.find("net/ipv4/tcp_allowed_congestion_control");
      std::vector<std::string> a =
          avail == state.end() ? std::vector<std::string>{"reno", "cubic"} : fields(avail->second);
      if (std::find(a.begin(), a.end(), t) == a.end()) {
        v.error = "ENOENT: '" + t + "' is not an available congestion control (" +
                  (avail == state.end() ? "reno cubic" : avail->second) + ")";
        return v;
      }
      if (netns == NetnsKind::child && allowed != state.end()) {
        std::vector<std::string> ok = fields(allowed->second);
        if (std::find(ok.begin(), ok.end(), t) == ok.end()) {
          v.error = "EPERM: '" + t +
                    "' is not in tcp_allowed_congestion_control, which is all a network "
                    "namespace other than the initial one may choose (" +
                    allowed->second + ")";
          return v;
        }
      }
    }
    v.value = t;
    return v;
  }

  // The integer handlers.
  std::string buf = written.substr(0, k_kernel_parse_bytes);
  long long kind_min = lim.kind == KeyType::int_ ? INT_MIN : 0;
  long long kind_max = lim.kind == KeyType::int_    ? INT_MAX
                       : lim.kind == KeyType::uint_ ? static_cast<long long>(UINT_MAX)
                                                    : LLONG_MAX;
  const std::size_t count = static_cast<std::size_t>(std::max(1, lim.count));
  std::vector<long long> out;
  for (std::size_t i = 0; i < count; ++i)
    out.push_back(i < cur.size() ? parse_kernel_int(cur[i]).value_or(0) : 0);
  // Handlers that parse into a copy and store only when every check passed.
  const bool all_or_nothing = path == "net/ipv4/ip_local_port_range" ||
                              path == "net/ipv4/ip_unprivileged_port_start" || ping_groups ||
                              lim.kind == KeyType::uint_;
  std::vector<long long> staged = out;
  std::size_t p = 0;
  std::size_t parsed = 0;
  std::string err;
  for (std::size_t i = 0; i < count; ++i) {
    while (p < buf.size() && kernel_isspace(buf[p])) ++p;
    if (p >= buf.size()) break;
    Parsed r = get_long(buf, p);
    if (!r.ok) {
      err = "EINVAL: '" + text + "' is not " + (count == 1 ? "an integer" : "integers") +
            " as the kernel reads them";
      break;
    }
    if (r.negative && lim.kind != KeyType::int_) {
      err = "EINVAL: a negative number for an unsigned key";
      break;
    }
    long long value = 0;
    if (r.magnitude > static_cast<unsigned long long>(LLONG_MAX) ||
        (r.negative && r.magnitude > static_cast<unsigned long long>(INT_MAX) + 1)) {
      err = "EINVAL: the number does not fit the key's type";
      break;
    }
    value = r.negative ? -static_cast<long long>(r.magnitude) : static_cast<long long>(r.magnitude);
    if (value < kind_min || value > kind_max) {
      err = "EINVAL: " + std::to_string(value) + " does not fit the key's type";
      break;
    }
    if ((lim.min && value < *lim.min) || (lim.max && value > *lim.max)) {
      err = "EINVAL: " + std::to_string(value) + " is outside " +
            (lim.min ? std::to_string(*lim.min) : std::string("...")) + ".." +
            (lim.max ? std::to_string(*lim.max) : std::string("...")) +
            ", the range the kernel enforces";
      break;
    }
    staged[i] = value;
    if (!all_or_nothing) out[i] = value;  // proc_dointvec stores each field as it goes
    ++parsed;
    p = r.next;
  }
  if (err.empty() && parsed == 0) err = "EINVAL: an empty value";
  // The coupled checks below are the handlers' own min/max (or a check before the store):
  // a value they refuse is never stored.
  const bool parse_error = !err.empty();
  if (err.empty() && path == "net/ipv4/ip_local_port_range") {
    long long prot = state_int(state, "net/ipv4/ip_unprivileged_port_start", 0, 1024);
    if (staged[1] < staged[0])
      err = "EINVAL: the range ends before it starts";
    else if (staged[0] < prot)
      err = "EINVAL: the range starts below ip_unprivileged_port_start (" + std::to_string(prot) +
            ") at the time of the write";
  }
  if (err.empty() && path == "net/ipv4/ip_unprivileged_port_start") {
    long long low = state_int(state, "net/ipv4/ip_local_port_range", 0, 32768);
    if (low < staged[0])
      err = "EINVAL: above the start of ip_local_port_range (" + std::to_string(low) +
            ") at the time of the write";
  }
  if (err.empty() &&
      (path == "net/ipv4/ipfrag_high_thresh" || path == "net/ipv4/ipfrag_low_thresh" ||
       path == "net/ipv6/ip6frag_high_thresh" || path == "net/ipv6/ip6frag_low_thresh")) {
    bool high = path.find("high") != std::string::npos;
    std::string other_path = path;
    other_path.replace(other_path.find(high ? "high" : "low"), high ? 4 : 3, high ? "low" : "high");
    auto it = state.find(other_path);
    if (it != state.end()) {
      long long other = parse_kernel_int(trim(it->second)).value_or(0);
      std::string name = other_path.substr(other_path.rfind('/') + 1);
      if (high && staged[0] < other)
        err = "EINVAL: below " + name + " (" + it->second + ") at the time of the write";
      if (!high && staged[0] > other)
        err = "EINVAL: above " + name + " (" + it->second + ") at the time of the write";
    }
  }
  if (!err.empty()) {
    v.error = err;
    // Fields before the bad one were stored: the value changed although the write failed.
    if (parse_error && !all_or_nothing && parsed > 0) v.value = join_fields(out);
    return v;
  }
  // A range that ends before it starts is stored as "1 0" (no group may ping).
  if (ping_groups && staged[1] < staged[0]) staged = {1, 0};
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
  std::string refuse;   ///< non-empty: the program or the path lookup fails for this key
  bool silent = false;  ///< nothing happens and nothing is said (procps "- key")
  bool soft = false;    ///< said, but the exit status does not count it
};

bool has_glob(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

std::string swap_if_dotted(std::string_view k) {
  std::size_t first = k.find_first_of("./");
  std::string s(k);
  if (first == std::string_view::npos || k[first] == '/') return s;
  for (char& c : s) c = c == '.' ? '/' : c == '/' ? '.' : c;
  return s;
}

// What a '..' component is: a name like any other (systemd refuses the path elsewhere), or a
// step up, as the kernel's path lookup takes it.
enum class DotDot { keep, resolve };

// Splits a path into components (views into `p`); DotDot::resolve resolves '..' as the
// kernel's path lookup does.
std::vector<std::string_view> components(std::string_view p, DotDot dotdot, bool& escaped) {
  std::vector<std::string_view> out;
  escaped = false;
  for (std::string_view c : split(p, '/')) {
    if (c.empty() || c == ".") continue;
    if (c == ".." && dotdot == DotDot::resolve) {
      if (out.empty()) {
        escaped = true;
      } else {
        out.pop_back();
      }
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string join_path(const std::vector<std::string_view>& c) {
  std::size_t size = c.size();
  for (std::string_view x : c) size += x.size();
  std::string s;
  s.reserve(size);
  for (std::string_view x : c) {
    if (!s.empty()) s += '/';
    s += x;
  }
  return s;
}

// Calls fn(line, text) for each line as the program reads it: systemd ends a line also at a CR
// (a CR LF is one end) and at a NUL; procps at '\n' only, and its fgets-based reading stops
// a line's text at a NUL. The texts are views into `raw`: a file's lines are not copied.
template <typename Fn>
void for_each_line(std::string_view raw, Semantics sem, Fn&& fn) {
  const bool systemd = sem == Semantics::systemd;
  auto text_of = [&](std::string_view t) {
    if (!systemd) t = t.substr(0, t.find('\0'));
    return t;
  };
  int line = 1;
  std::size_t start = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '\n' && !(systemd && (c == '\r' || c == '\0'))) continue;
    std::string_view text = raw.substr(start, i - start);
    if (systemd && c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    fn(line++, text_of(text));
    start = i + 1;
  }
  if (start < raw.size()) fn(line, text_of(raw.substr(start)));
}

std::string_view strip(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  auto sp = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (b < e && sp(s[b])) ++b;
  while (e > b && sp(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::optional<ProgramEntry> read_systemd(int line, std::string_view text) {
  std::string_view p = strip(text);
  if (p.empty() || p[0] == '#' || p[0] == ';') return std::nullopt;
  ProgramEntry e;
  e.line = line;
  std::size_t eq = p.find('=');
  std::string_view key;
  if (eq != std::string_view::npos) {
    key = p.substr(0, eq);
    if (!key.empty() && key[0] == '-') {
      e.ignore_failure = true;
      key.remove_prefix(1);
    }
    e.value = std::string(strip(p.substr(eq + 1)));
  } else {
    if (p[0] != '-') {
      e.refuse = "line is not an assignment";
      e.raw_key = std::string(p);
      return e;
    }
    key = p.substr(1);
  }
  key = strip(key);
  e.raw_key = std::string(key);
  std::string swapped = swap_if_dotted(key);
  bool escaped = false;
  std::vector<std::string_view> comps = components(swapped, DotDot::keep, escaped);
  // path_simplify(): no '//', no '.' components, no trailing '/'; a leading '/' stays in the
  // map key. sysctl_write() refuses a path with '..' (not normalized).
  // sysctl_normalize() also kills the leading '/': "/net/x" and "net.x" are one map key.
  e.id = join_path(comps);
  e.path = e.id;
  e.glob = has_glob(e.path);
  if (std::find(comps.begin(), comps.end(), "..") != comps.end())
    e.refuse = "systemd-sysctl refuses a key with a '..' component (\"Invalid argument\")";
  if (e.path.empty()) e.refuse = "empty key";
  return e;
}

std::optional<ProgramEntry> read_procps(int line, std::string_view text) {
  std::string_view t = strip(text);
  if (t.size() < 2 || t[0] == '#' || t[0] == ';') return std::nullopt;
  ProgramEntry e;
  e.line = line;
  std::size_t eq = t.find('=');
  if (eq == std::string_view::npos && t[0] == '-') {
    // "-key": an exclusion from glob assignments (procps 4.0.x: exact keys only).
    std::string_view name = strip(t.substr(1));
    e.raw_key = std::string(name);
    bool escaped = false;
    const std::string swapped = swap_if_dotted(name);
    e.path = join_path(components(swapped, DotDot::resolve, escaped));
    e.id = e.path;
    return e;
  }
  if (eq == std::string_view::npos || eq == 0) {
    // "invalid syntax, continuing...": said, but not counted in the exit status.
    e.refuse = "invalid syntax, continuing...";
    e.soft = true;
    e.raw_key = std::string(t);
    return e;
  }
  std::string_view name = strip(t.substr(0, eq));
  std::string_view value = t.substr(eq + 1);
  std::size_t b = value.find_first_not_of(" \t");
  e.value = std::string(b == std::string_view::npos ? std::string_view() : value.substr(b));
  if (!name.empty() && name[0] == '-') {
    e.ignore_failure = true;
    name.remove_prefix(1);
    if (!name.empty() && name[0] == '-') name.remove_prefix(1);  // WriteSetting strips one more
  }
  e.raw_key = std::string(name);
  if (name.empty() || name[0] == ' ' || name[0] == '\t') {
    e.silent = e.ignore_failure;
    e.refuse = cat("cannot stat /proc/sys/", name);
    return e;
  }
  std::string swapped = swap_if_dotted(name);
  bool escaped = false;
  std::vector<std::string_view> comps = components(swapped, DotDot::resolve, escaped);
  e.path = join_path(comps);
  e.id = e.path;
  e.glob = has_glob(e.path);
  if (escaped || e.path.empty()) e.refuse = "the key leaves /proc/sys";
  if (swapped.back() == '/' && !e.glob) {
    // stat() fails (ENOTDIR); --system implies -e, so nothing is said and nothing fails.
    // (A glob with a trailing separator is expanded and written: measured, tests/fidelity.)
    e.refuse = "cannot stat " + swapped + " (a trailing separator)";
    e.silent = true;
  }
  return e;
}

// ---------------------------------------------------------------------------------------------

class Simulation {
 public:
  Simulation(const ConfigSet& set, const KeySource& live,
             const std::function<bool(const std::string&)>& writable, const Catalog* catalog,
             BootDetail detail)
      : m_set(set),
        m_live(live),
        m_writable(writable),
        m_catalog(catalog),
        m_netns(netns_kind(live)),
        m_full(detail == BootDetail::full) {
    m_model.semantics = set.semantics;
  }

  BootModel run() {
    for (const ConfigSet::ProgramFileError& e : m_set.program_errors)
      note(e.shown, 0, e.message, e.fails ? Fails::yes : Fails::no);
    if (m_set.semantics == Semantics::procps) {
      // A glob leaves out a key another line names (settinglist_findpath): by the key as
      // spelled, separators swapped (slashdot), not by the path the kernel resolves, so
      // "/net/ipv6/conf/eth0/hop_limit" or "net..ipv6..." leaves it to the glob (measured).
      // A first reading of the files finds those names; the second writes, line by line.
      std::set<std::string> explicit_paths;
      for_each_entry([&](const ConfigFile&, ProgramEntry&& e) {
        if (!e.glob) explicit_paths.insert(swap_if_dotted(e.raw_key));
      });
      for_each_entry([&](const ConfigFile& f, ProgramEntry&& e) {
        if (!e.refuse.empty()) {
          if (!e.silent && !e.ignore_failure)
            note(f.shown, e.line, e.refuse, e.soft ? Fails::no : Fails::yes);
          return;
        }
        if (!e.value) return;
        if (!e.glob) {
          write(e.path, write_of(f, e, *e.value), e.ignore_failure);
          return;
        }
        for (const std::string& m : m_live.glob(e.path)) {
          if (explicit_paths.count(m) == 0) write(m, write_of(f, e, *e.value), e.ignore_failure);
        }
      });
      return finish();
    }
    // systemd: an ordered map by key text; re-assigning a different value moves the key to
    // the end ("Overwriting earlier assignment"); the same value keeps its place, and a '-' on
    // either line covers the write's failure (parse_line: `existing->ignore_failure =
    // existing->ignore_failure || ignore_failure`). Only each key's last assignment is kept:
    // memory follows the distinct keys, not the lines.
    struct Slot {
      const ConfigFile* file;
      ProgramEntry e;
      bool ignore_failure;
    };
    std::list<Slot> order;
    std::unordered_map<std::string, std::list<Slot>::iterator> pos;
    for_each_entry([&](const ConfigFile& f, ProgramEntry&& e) {
      if (!e.refuse.empty() && e.id.empty()) {
        note(f.shown, e.line, e.refuse);
        return;
      }
      auto found = pos.find(e.id);
      if (found != pos.end()) {
        Slot& old = *found->second;
        if (old.e.value == e.value) {
          if (e.ignore_failure) old.ignore_failure = true;
          return;
        }
        if (old.e.value) {
          BootWrite w = write_of(*old.file, old.e, *old.e.value);
          w.outcome = "shadowed";
          w.reason = "overwritten by " + f.shown + ":" + std::to_string(e.line) +
                     " before anything was written";
          if (old.e.glob) {
            for (const std::string& m : m_live.glob(old.e.path)) shadow(touch(m), w);
          } else if (old.e.refuse.empty()) {
            shadow(touch(old.e.path), w);
          }
        }
        order.erase(found->second);
      }
      const bool ignore = e.ignore_failure;
      order.push_back(Slot{&f, std::move(e), ignore});
      if (found != pos.end()) {
        found->second = std::prev(order.end());
      } else {
        pos.emplace(order.back().e.id, std::prev(order.end()));
      }
    });
    for (const Slot& slot : order) {
      const ProgramEntry& e = slot.e;
      if (!e.value) continue;
      if (!e.refuse.empty()) {
        if (!slot.ignore_failure) note(slot.file->shown, e.line, e.refuse);
        continue;
      }
      if (!e.glob) {
        write(e.path, write_of(*slot.file, e, *e.value), slot.ignore_failure, Suppress::yes);
        continue;
      }
      for (const std::string& m : m_live.glob(e.path)) {
        if (pos.count(m) != 0) continue;  // an exact key of the set, assigned or excluded
        write(m, write_of(*slot.file, e, *e.value), slot.ignore_failure, Suppress::yes);
      }
    }
    return finish();
  }

 private:
  // Calls fn(file, entry) for each line of the applied files the program reads as an entry,
  // in the order it reads them.
  template <typename Fn>
  void for_each_entry(Fn&& fn) {
    const bool systemd = m_set.semantics == Semantics::systemd;
    for (const ConfigFile& f : m_set.files) {
      if (f.role != FileRole::active || f.parsed < 0) continue;
      const ParsedFile& pf = m_set.parsed[static_cast<std::size_t>(f.parsed)];
      for_each_line(pf.raw(), m_set.semantics, [&](int n, std::string_view text) {
        std::optional<ProgramEntry> e = systemd ? read_systemd(n, text) : read_procps(n, text);
        if (e) fn(f, std::move(*e));
      });
    }
  }

  static BootWrite write_of(const ConfigFile& f, const ProgramEntry& e, const std::string& value) {
    BootWrite w;
    w.file = f.shown;
    w.line = e.line;
    w.key = e.raw_key;
    w.value = value;
    w.glob = e.glob;
    return w;
  }

  // Records a write that a later one shadowed (or that was not made): the first
  // k_max_boot_history are kept, all are counted.
  static void shadow(BootKey& k, BootWrite w) {
    if (k.shadowed.size() < k_max_boot_history) k.shadowed.push_back(std::move(w));
    ++k.shadowed_total;
  }

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

  // Whether the program counts a note in its exit status.
  enum class Fails { no, yes };

  void note(const std::string& file, int line, const std::string& message,
            Fails fails = Fails::yes) {
    if (fails == Fails::yes) m_model.exit_status = 1;
    if (!m_full) return;
    Finding f;
    f.code = "TT1014";
    f.severity = Severity::info;
    f.file = file;
    f.line = line;
    f.message =
        std::string(m_set.semantics == Semantics::systemd ? "systemd-sysctl" : "sysctl --system") +
        ": " + message;
    m_model.notes.push_back(std::move(f));
  }

  // The first line of the key's file as the program reads it back: vectors are tab-separated.
  std::string kernel_text(const std::string& path) {
    auto it = m_text.find(path);
    if (it != m_text.end()) return it->second;
    KeyRead r = m_live.read(path);
    std::string raw = r.status == KeyStatus::value ? r.raw : "";
    std::string t = raw.substr(0, raw.find('\n'));
    m_text[path] = t;
    return t;
  }

  BootKey& touch(const std::string& path) {
    BootKey& k = m_model.keys[path];
    if (k.path.empty()) {
      k.path = path;
      k.key = path_to_key(path);
      KeyRead r = m_live.read(path);
      if (r.status == KeyStatus::value) k.before = join_text(r.value);
    }
    return k;
  }

  // Suppress::yes: systemd-sysctl's "No change in value, suppressing write".
  enum class Suppress { no, yes };

  void write(const std::string& path, BootWrite w, bool ignore_failure,
             Suppress suppress = Suppress::no) {
    const bool systemd = m_set.semantics == Semantics::systemd;
    const bool exists = m_live.exists(path);
    if (!m_full && !exists) return;  // no note counts in the exit status
    BootKey& k = touch(path);
    if (!exists) {
      w.outcome = "refused";
      w.reason = "ENOENT: no such key on this kernel";
      k.refused.push_back(w);
      // systemd-sysctl ignores a missing key; `sysctl --system` implies -e.
      if (!ignore_failure) note(w.file, w.line, "no such key: " + k.key, Fails::no);
      return;
    }
    std::string cur = current(path);
    if (suppress == Suppress::yes &&
        w.value == kernel_text(path)) {  // "No change in value, suppressing write"
      w.outcome = "suppressed";
      w.reason = "the kernel already holds this value: systemd-sysctl does not write it";
      shadow(k, std::move(w));
      return;
    }
    if (!m_writable(path)) {
      w.outcome = "refused";
      w.reason = "EACCES: a read-only key";
      if (m_full) k.refused.push_back(w);
      // systemd ignores permission errors. procps 4.0.2 sees the mode before it opens the
      // file: it prints "setting key ..." and goes on, its exit status unchanged (measured).
      if (!ignore_failure || !systemd)
        note(w.file, w.line,
             systemd ? "permission denied on read-only key " + k.key
                     : "setting key \"" + k.key +
                           "\" (a read-only key): not written; the exit "
                           "status does not count it",
             Fails::no);
      return;
    }
    const KeyInfo* info = m_catalog == nullptr ? nullptr : m_catalog->find(path);
    // The keys the kernel checks a write against must be in the state the check sees: read
    // before the first write (later ones find them there, written or not).
    if (!m_coupled_read) {
      m_coupled_read = true;
      for (const char* other :
           {"net/ipv4/ipfrag_high_thresh", "net/ipv4/ipfrag_low_thresh",
            "net/ipv6/ip6frag_high_thresh", "net/ipv6/ip6frag_low_thresh",
            "net/ipv4/ip_unprivileged_port_start", "net/ipv4/ip_local_port_range",
            "net/ipv4/tcp_available_congestion_control", "net/ipv4/tcp_allowed_congestion_control"})
        if (m_live.exists(other)) current(other);
    }
    KernelVerdict v = kernel_write(path, w.value, cur, m_state, info, m_netns);
    if (!v.error.empty()) {
      // devinet_conf_proc marks an IPv4 conf key as set by hand before it looks at the
      // write's outcome: a refused write also stops conf.default's copies to it.
      if (path.rfind("net/ipv4/conf/", 0) == 0) m_explicit.insert(path);
      w.outcome = "refused";
      w.reason = v.error;
      k.refused.push_back(w);
      bool soft = systemd && (v.error.rfind("ENOENT", 0) == 0 || v.error.rfind("EPERM", 0) == 0);
      // procps 4.0.2: the '-' prefix does not cover an error the kernel returns on the write
      // itself ("setting key ...", exit 1; measured).
      if (!systemd) ignore_failure = false;
      if (!ignore_failure)
        note(w.file, w.line, "the kernel refuses " + k.key + " = " + w.value + " (" + v.error + ")",
             soft ? Fails::no : Fails::yes);
      if (v.value) set(path, *v.value, w);
      return;
    }
    const std::string old_value = cur;
    set(path, *v.value, w);
    propagate(path, old_value, *v.value, w);
  }

  void set(const std::string& path, const std::string& value, const BootWrite& w) {
    BootKey& k = touch(path);
    if (k.winner) {
      BootWrite old = *k.winner;
      old.outcome = "shadowed";
      old.reason = "overwritten by " + w.file + ":" + std::to_string(w.line);
      shadow(k, std::move(old));
    }
    BootWrite nw = w;
    nw.outcome = "written";
    k.winner = nw;
    k.value = value;
    k.propagated_from.clear();
    record(path, value);
    m_explicit.insert(path);
  }

  // The kernel copies some writes to other keys: IPv4 conf/default/X to every interface whose X
  // was never written (devinet_copy_dflt_conf), conf/all/forwarding (= ip_forward) to default
  // and every interface (inet_forward_change).
  //
  // IPv4 forwarding (devinet_sysctl_forward) acts only when the value changes; then
  // inet_forward_change() also sets conf/all/accept_redirects to the opposite. IPv6
  // conf/all/forwarding (addrconf_fixup_forwarding) is copied to default and every interface
  // on every write.
  void propagate(const std::string& path, const std::string& old_value, const std::string& value,
                 const BootWrite& w) {
    const std::string v4 = "net/ipv4/conf/";
    const std::string v6 = "net/ipv6/conf/";
    auto copy_to = [&](const std::string& target, const std::string& v) {
      if (!m_live.exists(target)) return;
      BootKey& k = touch(target);
      k.value = v;
      k.propagated_from = path_to_key(path) + " (" + w.file + ":" + std::to_string(w.line) + ")";
      record(target, v);
    };
    auto interfaces = [&](const std::string& dir) {
      std::vector<std::string> out;
      for (const std::string& d : m_live.list(dir))
        if (d != "all" && d != "default") out.push_back(d);
      return out;
    };
    if (path == "net/ipv4/ip_forward" || path == v4 + "all/forwarding") {
      if (parse_kernel_int(old_value) == parse_kernel_int(value)) return;
      const bool on = parse_kernel_int(value).value_or(0) != 0;
      copy_to(path == "net/ipv4/ip_forward" ? v4 + "all/forwarding" : "net/ipv4/ip_forward", value);
      copy_to(v4 + "all/accept_redirects", on ? "0" : "1");
      copy_to(v4 + "default/forwarding", value);
      for (const std::string& i : interfaces("net/ipv4/conf"))
        copy_to(v4 + i + "/forwarding", value);
      return;
    }
    // IPv6 keys whose handler copies a write to conf/all to conf/default and every interface
    // (net/ipv6/addrconf.c: addrconf_fixup_forwarding, addrconf_disable_ipv6,
    // addrconf_fixup_linkdown, addrconf_sysctl_addr_gen_mode; force_forwarding since 6.17).
    // Measured on 6.18: an interface no line names takes the value written to conf/all.
    for (const char* name : {"forwarding", "disable_ipv6", "ignore_routes_with_linkdown",
                             "addr_gen_mode", "force_forwarding"}) {
      if (path != v6 + "all/" + name) continue;
      copy_to(v6 + "default/" + name, value);
      for (const std::string& i : interfaces("net/ipv6/conf")) copy_to(v6 + i + "/" + name, value);
      return;
    }
    std::vector<std::string> ifaces = interfaces("net/ipv4/conf");
    if (path.rfind(v4 + "default/", 0) == 0) {
      std::string name = path.substr(v4.size() + 8);
      if (name == "forwarding") return;
      // The entries whose handler is ipv4_doint_and_flush (DEVINET_SYSCTL_FLUSHING_ENTRY in
      // net/ipv4/devinet.c) never reach devinet_copy_dflt_conf: conf/default changes no
      // interface (measured on 6.18).
      if (name == "disable_xfrm" || name == "disable_policy" || name == "promote_secondaries" ||
          name == "route_localnet" || name == "drop_unicast_in_l2_multicast")
        return;
      for (const std::string& i : ifaces) {
        std::string target = v4 + i + "/" + name;
        if (m_explicit.count(target) == 0) copy_to(target, value);
      }
    }
  }

  void record(const std::string& path, const std::string& value) {
    m_state[path] = value;
    std::vector<std::string> f = fields(value);
    m_text[path] = all_integers(f) ? join(f, "\t") : value;
  }

  BootModel finish() { return std::move(m_model); }

  const ConfigSet& m_set;
  const KeySource& m_live;
  const std::function<bool(const std::string&)>& m_writable;
  BootModel m_model;
  const Catalog* m_catalog;
  NetnsKind m_netns;
  bool m_full;                  ///< BootDetail::full
  bool m_coupled_read = false;  ///< the coupled keys are in m_state
  std::map<std::string, std::string> m_state;
  std::map<std::string, std::string> m_text;
  std::set<std::string> m_explicit;
};

}  // namespace

NetnsKind netns_kind(const KeySource& live) {
  // Global-only keys: present in the initial namespace only.
  for (const char* p : {"net/core/netdev_max_backlog", "net/ipv4/tcp_mem"})
    if (live.exists(p)) return NetnsKind::initial;
  return live.exists("net/ipv4/tcp_rmem") ? NetnsKind::child : NetnsKind::initial;
}

BootModel simulate_boot(const ConfigSet& set, const KeySource& live,
                        const std::function<bool(const std::string&)>& writable,
                        const Catalog* catalog, BootDetail detail) {
  return Simulation(set, live, writable, catalog, detail).run();
}

}  // namespace tcptune
