#include "engine/lint.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>

#include "core/sysctl_key.hpp"
#include "core/sysctl_value.hpp"
#include "core/text_util.hpp"
#include "engine/boot_model.hpp"
#include "engine/lint_fix.hpp"
#include "engine/trust_findings.hpp"
#include "engine/value_check.hpp"

namespace tcptune {

namespace {

const char* const k_tw_recycle = "net/ipv4/tcp_tw_recycle";

bool is_interface_key(std::string_view path, std::string& iface, std::string& default_path) {
  // net/ipv4/conf/<if>/x, net/ipv6/conf/<if>/x, net/ipv4/neigh/<if>/x, net/ipv6/neigh/<if>/x
  std::vector<std::string_view> parts = split(path, '/');
  if (parts.size() < 5 || parts[0] != "net") return false;
  if (parts[1] != "ipv4" && parts[1] != "ipv6") return false;
  if (parts[2] != "conf" && parts[2] != "neigh") return false;
  if (parts[3] == "all" || parts[3] == "default") return false;
  iface = std::string(parts[3]);
  default_path = std::string(parts[0]) + "/" + std::string(parts[1]) + "/" + std::string(parts[2]) +
                 "/default";
  for (std::size_t i = 4; i < parts.size(); ++i) default_path += "/" + std::string(parts[i]);
  return true;
}

// Where a finding about an entry points: the key's column or the value's.
enum class Column { key, value };

class Linter {
 public:
  Linter(const ConfigSet& set, const Catalog& keys, const CheckCatalog& checks,
         const LintOptions& o)
      : m_set(set), m_keys(keys), m_checks(checks), m_opt(o) {}

  LintReport run() {
    LintReport report;
    for (const Finding& f : m_set.findings) push(f, nullptr, 0);
    for (const Finding& f : trust_findings(m_set, m_checks)) push(f, nullptr, 0);
    program_file_errors();
    // Each real file once, in the order it is first applied.
    std::vector<int> order;
    for (const ConfigFile& f : m_set.files) {
      if (f.parsed >= 0 && std::find(order.begin(), order.end(), f.parsed) == order.end())
        order.push_back(f.parsed);
    }
    if (m_set.sysctl_conf_parsed >= 0 &&
        std::find(order.begin(), order.end(), m_set.sysctl_conf_parsed) == order.end()) {
      order.push_back(m_set.sysctl_conf_parsed);
    }
    for (std::size_t i = 0; i < order.size(); ++i)
      m_file_rank[m_set.parsed[static_cast<std::size_t>(order[i])].path] = static_cast<int>(i);
    m_order = order;

    m_res = resolve_config(m_set, m_opt.live);
    // Live mode: the boot as the program plays it over the kernel's values (write order,
    // no-change suppression, the kernel's refusals and copies to interfaces).
    if (m_opt.live != nullptr)
      m_boot = simulate_boot(
          m_set, *m_opt.live,
          m_opt.writable ? m_opt.writable : [](const std::string&) { return true; }, &m_keys,
          BootDetail::values);
    for (int pi : order) check_file(m_set.parsed[static_cast<std::size_t>(pi)]);
    check_globs();
    check_cross_keys();
    check_refused_writes();
    check_kernel_copies();
    check_precedence();
    report_dropped();

    std::stable_sort(m_out.begin(), m_out.end(), [&](const Finding& a, const Finding& b) {
      auto rank = [&](const Finding& f) {
        auto it = m_file_rank.find(f.file);
        return it == m_file_rank.end() ? -1 : it->second;
      };
      return std::make_tuple(rank(a), a.line, a.column, a.code) <
             std::make_tuple(rank(b), b.line, b.column, b.code);
    });
    report.findings = std::move(m_out);
    report.resolution = std::move(m_res);
    report.boot = std::move(m_boot);
    return report;
  }

 private:
  // Adds a finding: severity and hint from the check catalog; suppressions applied.
  void push(Finding f, const ParsedFile* file, int entry_line) {
    // Malformed or unreadable input is always shown (and makes exit 2): neither --exclude nor a
    // disable comment hides it.
    if (!f.invalid_input) {
      if (m_opt.exclude.count(f.code) != 0) return;
      if (file != nullptr && file->suppressed(f.code, entry_line != 0 ? entry_line : f.line))
        return;
    }
    if (const CheckInfo* info = m_checks.find(f.code)) {
      f.severity = info->severity;
      if (f.hint.empty()) f.hint = info->hint;
    }
    // Bounded output: a file of a million duplicate lines, or a set of a million files, must
    // not make a million findings.
    if (++m_per_file[f.file] > k_max_findings_per_file) {
      m_dropped[f.file].add(f.severity, f.invalid_input);
      return;
    }
    if (m_out.size() >= k_max_lint_findings) {
      m_over_total.add(f.severity, f.invalid_input);
      m_over_total_files.insert(f.file);
      return;
    }
    if (file != nullptr && f.line > 0 && f.source_line.empty())
      f.source_line = file->line_text(f.line);
    m_out.push_back(std::move(f));
  }

  // One TT1013 per file whose findings were cut, and one for everything past the total, each
  // with the worst severity cut (so the exit status still counts it).
  void report_dropped() {
    auto summary = [&](const std::string& file, const Dropped& d, std::string message) {
      Finding f;
      f.code = "TT1013";
      f.severity = d.worst;
      f.invalid_input = d.invalid_input;
      f.file = file;
      f.message = std::move(message) + "; the worst of them is " + std::string(to_string(d.worst));
      if (d.invalid_input) f.message += ", and some are malformed or unreadable input";
      if (const CheckInfo* info = m_checks.find(f.code)) f.hint = info->hint;
      m_out.push_back(std::move(f));
    };
    for (const auto& [file, d] : m_dropped) {
      summary(file, d,
              std::to_string(d.count) + " more finding(s) in this file not shown (at most " +
                  std::to_string(k_max_findings_per_file) + " per file)");
    }
    if (m_over_total.count > 0) {
      // Located at the first file it concerns, so that every gcc-format line names a file.
      summary(*m_over_total_files.begin(), m_over_total,
              std::to_string(m_over_total.count) + " more finding(s) in " +
                  std::to_string(m_over_total_files.size()) + " file(s) not shown (at most " +
                  std::to_string(k_max_lint_findings) + " in all)");
    }
  }

  void at_entry(const ParsedFile& p, const SysctlEntry& e, const char* code, std::string message,
                Evidence evidence = {}, Column column = Column::key,
                const std::string& suggestion = {}) {
    at_entry_made(
        p, e, code, [&] { return std::pair(std::move(message), std::move(evidence)); }, column,
        suggestion);
  }

  // As at_entry, with the message and evidence made by `make` only when the finding is kept:
  // past the per-file limit it is only counted. For the findings a file can have one of per line
  // (a file of 100,000 repeated lines must not build 99,800 messages to drop them).
  template <typename Make>
  void at_entry_made(const ParsedFile& p, const SysctlEntry& e, const char* code, Make&& make,
                     Column column = Column::key, const std::string& suggestion = {}) {
    if (count_if_cut(p, code, e.line)) return;
    auto [message, evidence] = make();
    Finding f;
    f.code = code;
    f.message = std::move(message);
    f.key = e.key;
    if (e.kind == EntryKind::assign) f.value = e.value;
    f.file = p.path;
    f.line = e.line;
    f.column = column == Column::value ? e.value_column : e.key_column;
    f.evidence = std::move(evidence);
    f.fix = lint_fix(f, p, e, m_keys, m_opt.kernel, suggestion);
    push(std::move(f), &p, e.line);
  }

  // What push() does with a finding past the per-file limit, before the finding and its fix are
  // built: a file of 100,000 findings would otherwise build them all only to count them.
  bool count_if_cut(const ParsedFile& p, const char* code, int line) {
    auto it = m_per_file.find(p.path);
    if (it == m_per_file.end() || it->second < k_max_findings_per_file) return false;
    const std::string c = code;
    if (m_opt.exclude.count(c) != 0 || p.suppressed(c, line)) return true;
    ++it->second;
    const CheckInfo* info = m_checks.find(c);
    m_dropped[p.path].add(info != nullptr ? info->severity : Finding().severity, false);
    return true;
  }

  void at_file(const std::string& shown, const char* code, std::string message,
               const ParsedFile* p = nullptr) {
    Finding f;
    f.code = code;
    f.message = std::move(message);
    f.file = shown;
    push(std::move(f), p, 0);
  }

  [[nodiscard]] std::string kernel_text() const {
    return m_opt.kernel ? "Linux " + m_opt.kernel->str(VersionForm::short_form) : "this kernel";
  }

  // The value a key ends up with: the sysctl.d set, else the live kernel, else the default.
  std::optional<std::string> value_of(const std::string& path) const {
    if (auto it = m_res.keys.find(path); it != m_res.keys.end()) return it->second.value;
    if (m_opt.live != nullptr) {
      KeyRead r = m_opt.live->read(path);
      if (r.status == KeyStatus::value) return r.value;
    }
    if (const KeyInfo* k = m_keys.find(path)) return k->default_for(m_opt.kernel);
    return std::nullopt;
  }

  std::optional<std::int64_t> int_of(const std::string& path) const {
    auto v = value_of(path);
    if (!v) return std::nullopt;
    auto f = parse_int_fields(*v);
    if (!f || f->size() != 1) return std::nullopt;
    return f->front();
  }

  // "Did you mean" only for a name the catalog has under no version and no pattern (`info`, the
  // entry's catalog entry, is null): first the catalog's bounded candidates, then the names in
  // the key's directory on the live kernel.
  // Made once per distinct key: a key misspelt on several lines (or files) gets one search.
  const std::string& suggestion(const SysctlEntry& e, const KeyInfo* info) {
    static const std::string none;
    if (info != nullptr) return none;
    auto [it, fresh] = m_suggestions.try_emplace(e.key);
    if (fresh) it->second = find_suggestion(e);
    return it->second;
  }

  std::string find_suggestion(const SysctlEntry& e) const {
    std::string sug = m_keys.suggest(e.key);
    if (!sug.empty() || m_opt.live == nullptr) return sug;
    std::size_t slash = e.path.rfind('/');
    std::string dir(slash == std::string::npos ? "" : e.path.substr(0, slash));
    std::vector<std::string> candidates;
    for (const std::string& name : m_opt.live->list(dir)) {
      candidates.push_back(path_to_key(dir.empty() ? name : dir + "/" + name));
    }
    return did_you_mean(e.key, candidates);
  }

  // "removed in Linux 4.12", "moved to debugfs in Linux 5.13", "added in Linux 6.14", "added
  // after Linux 6.1 (seen in Linux 6.18)".
  static std::string presence_reason(const KeyInfo& info, const PresenceAnswer& a) {
    if (a.state == Presence::removed) {
      if (!info.moved.empty())
        return "it moved to " + info.moved + " in Linux " + a.version->str(VersionForm::short_form);
      return "it was removed in Linux " + a.version->str(VersionForm::short_form);
    }
    if (a.after) {
      return "it was added after Linux " + a.version->str(VersionForm::short_form) +
             (a.seen_in ? " (tcptune's catalog has it from Linux " +
                              a.seen_in->str(VersionForm::short_form) + ")"
                        : "");
    }
    return "it was added in Linux " + a.version->str(VersionForm::short_form);
  }

  void check_file(const ParsedFile& p) {
    for (const Finding& d : p.diagnostics) {
      Finding f = d;
      if (f.code == "TT1011") {  // an empty value: the one parser finding with a mechanical fix
        for (const SysctlEntry& e : p.entries) {
          if (e.line == f.line) f.fix = lint_fix(f, p, e, m_keys, m_opt.kernel, {});
        }
      }
      push(std::move(f), &p, 0);
    }
    for (const auto& dc : p.directive_codes) {
      if (m_checks.find(dc.code) == nullptr) {
        Finding f;
        f.code = "TT1012";
        f.message = "unknown code " + dc.code + " in tcptune directive";
        f.file = p.path;
        f.line = dc.line;
        f.column = dc.column;
        push(std::move(f), &p, 0);
      }
    }
    std::unordered_map<std::string_view, int> first_line;  // by views of the entries' paths
    for (const SysctlEntry& e : p.entries) {
      if (e.kind != EntryKind::assign) continue;
      if (!e.glob) {
        auto [it, inserted] = first_line.try_emplace(e.path, e.line);
        if (!inserted) {
          at_entry_made(p, e, "TT1006", [&, first = it->second] {
            return std::pair(cat(e.key, " is already set on line ", std::to_string(first),
                                 " of this file; this later assignment wins"),
                             Evidence{{"first_line", std::int64_t{first}}});
          });
          it->second = e.line;
        }
      }
      if (e.glob) continue;
      // One catalog search for an entry's checks (and its "did you mean").
      const KeyInfo* info = m_keys.find(e.path);
      check_existence(p, e, info);
      check_value_of(p, e, info);
      check_meaning(p, e, info);
    }
  }

  void check_existence(const ParsedFile& p, const SysctlEntry& e, const KeyInfo* info) {
    if (e.path == k_tw_recycle) {
      std::string msg = "net.ipv4.tcp_tw_recycle";
      if (m_opt.kernel && *m_opt.kernel < KernelVersion{4, 12, 0}) {
        msg +=
            " must not be used: it silently drops connections from clients behind NAT (per-host "
            "timestamp check), and it was removed in Linux 4.12";
      } else {
        msg += " was removed in Linux 4.12";
        msg += m_opt.kernel ? " (this is " + kernel_text() + ")" : "";
        msg +=
            ": `sysctl -p` fails on it (\"cannot stat\", exit 1); on older kernels it silently "
            "dropped connections from clients behind NAT";
      }
      at_entry(p, e, "TT2003", msg, {{"value", std::string(e.value)}});
      return;
    }
    if (info != nullptr && !info->vendor.empty()) {
      if (m_opt.live != nullptr && m_opt.live->exists(e.path))
        return;  // this is that vendor's kernel
      at_entry(p, e, "TT2004",
               std::string(e.key) + " exists only in " + info->vendor +
                   " kernels, not in mainline Linux" +
                   (m_opt.live != nullptr ? " (it is absent on this kernel)" : ""));
      return;
    }
    if (m_opt.live != nullptr) {
      if (m_opt.live->exists(e.path)) {
        if (m_opt.writable && !m_opt.writable(std::string(e.path))) read_only(p, e);
        return;
      }
      std::string iface;
      std::string default_path;
      if (is_interface_key(e.path, iface, default_path) && m_opt.live->exists(default_path)) {
        at_entry(
            p, e, "TT2007",
            cat("interface '", iface, "' does not exist now; ", e.key,
                " is applied when the interface appears (systemd-sysctl runs again from udev)"));
        return;
      }
      std::string why;
      if (info != nullptr && m_opt.kernel) {
        PresenceAnswer a = m_keys.presence(*info, *m_opt.kernel);
        if (a.state == Presence::removed || a.state == Presence::added)
          why = " (" + presence_reason(*info, a) + ")";
      } else if (info != nullptr && info->removed) {
        why = " (removed in Linux " + info->removed->str(VersionForm::short_form) + ")";
      }
      const std::string& sug = suggestion(e, info);
      std::string tail = sug.empty() ? "" : "; did you mean " + sug + "?";
      if (e.ignore_failure) {
        if (m_set.semantics == Semantics::procps) {
          at_entry(p, e, "TT5003",
                   std::string(e.key) + " does not exist on " + kernel_text() + why +
                       ": the '-' prefix does not stop `sysctl -p` from failing on it (\"cannot "
                       "stat\", exit 1)" +
                       tail);
        } else if (!sug.empty()) {
          at_entry(p, e, "TT2006",
                   std::string(e.key) + " does not exist on " + kernel_text() + tail, {},
                   Column::key, sug);
        }
        return;
      }
      at_entry(p, e, "TT2001",
               std::string(e.key) + " does not exist on " + kernel_text() + why + tail, {},
               Column::key, sug);
      return;
    }
    // Offline: the catalog is all we know.
    if (info != nullptr) {
      if (!m_opt.kernel) return;
      PresenceAnswer a = m_keys.presence(*info, *m_opt.kernel);
      if (a.state == Presence::exists) {
        if (info->read_only) read_only(p, e);
        return;
      }
      if (a.state == Presence::unknown) {
        at_entry(p, e, "TT2002",
                 std::string(e.key) + " is in tcptune's catalog from Linux " +
                     (a.seen_in ? a.seen_in->str(VersionForm::short_form) : std::string("?")) +
                     " on; whether " + kernel_text() + " has it is not known offline");
        return;
      }
      bool procps_dash = m_set.semantics == Semantics::procps && e.ignore_failure;
      at_entry(
          p, e, procps_dash ? "TT5003" : "TT2001",
          std::string(e.key) + " does not exist on " + kernel_text() + ": " +
              presence_reason(*info, a) +
              (procps_dash ? "; the '-' prefix does not stop `sysctl -p` from failing on it" : ""));
      return;
    }
    const std::string& sug = suggestion(e, info);
    if (!sug.empty()) {
      at_entry(p, e, "TT2006",
               std::string(e.key) + " is not a key tcptune knows; did you mean " + sug + "?", {},
               Column::key, sug);
    } else {
      at_entry(p, e, "TT2002",
               std::string(e.key) + " is not in tcptune's catalog; whether it exists on " +
                   kernel_text() + " cannot be checked offline");
    }
  }

  // A key no one may write (mode 0444): both programs try, the kernel refuses with EACCES.
  void read_only(const ParsedFile& p, const SysctlEntry& e) {
    at_entry(p, e, "TT2008",
             cat(e.key, " is read-only: the kernel refuses every write (EACCES), so the line does ",
                 "nothing; ",
                 m_set.semantics == Semantics::systemd
                     ? "systemd-sysctl ignores permission errors without a word"
                     : "sysctl --system says \"setting key\" and goes on, exit status unchanged"));
  }

  void check_value_of(const ParsedFile& p, const SysctlEntry& e, const KeyInfo* info) {
    if (info == nullptr || e.value.empty()) return;
    if (auto problem = check_value(*info, std::string(e.value))) {
      at_entry(p, e, problem->code.c_str(), problem->message, {}, Column::value);
    }
  }

  void check_meaning(const ParsedFile& p, const SysctlEntry& e, const KeyInfo* info) {
    auto ints = parse_int_fields(e.value);
    if (!ints || ints->empty()) return;
    std::int64_t v = ints->front();
    // Negative values mean "no limit" on current kernels (the count is compared as unsigned,
    // verified on 6.18); the catalog's range flags them (TT3003).
    if (e.path == "net/ipv4/tcp_max_tw_buckets" && v >= 0 && v < 10000) {
      std::string msg = v == 0
                            ? "tcp_max_tw_buckets = 0 disables TIME_WAIT entirely: every closing "
                              "connection skips it"
                            : cat("tcp_max_tw_buckets = ", e.value,
                                  " is low: above it, closing connections skip TIME_WAIT (no "
                                  "protection against stray segments of an old connection) and "
                                  "TCPTimeWaitOverflow counts them; it does not clean TIME_WAIT "
                                  "up");
      at_entry(p, e, "TT4004", msg, {{"value", v}}, Column::value);
    } else if (e.path == "net/ipv4/tcp_fin_timeout" && v < 60) {
      at_entry(p, e, "TT4005",
               cat("tcp_fin_timeout = ", e.value,
                   " does not shorten TIME_WAIT (fixed at 60 s in the kernel); it only limits how "
                   "long an orphaned connection stays in FIN_WAIT2"),
               {{"value", v}}, Column::value);
    } else if (e.path == "net/core/somaxconn") {
      std::optional<std::string> def =
          info != nullptr ? info->default_for(m_opt.kernel) : std::optional<std::string>("4096");
      std::optional<std::int64_t> d = def ? parse_kernel_int(*def) : std::nullopt;
      if (d && v < *d) {
        at_entry(p, e, "TT4007",
                 cat("net.core.somaxconn = ", e.value, " is below the kernel default of ", *def,
                     m_opt.kernel ? cat(" on ", kernel_text()) : " (since Linux 5.4)",
                     ": it caps every listen() backlog lower than the kernel would"),
                 {{"value", v}, {"default", *d}}, Column::value);
      }
    } else if (e.path == "net/ipv4/tcp_timestamps" && v == 0) {
      at_entry(p, e, "TT4008",
               "tcp_timestamps = 0 turns off TCP timestamps: no PAWS protection, coarser RTT "
               "estimates, and tcp_tw_reuse can never reuse a TIME_WAIT port",
               {}, Column::value);
    } else if (e.path == "net/ipv4/ip_local_port_range" && ints->size() == 2) {
      std::int64_t lo = (*ints)[0];
      std::int64_t hi = (*ints)[1];
      if ((lo % 2) == (hi % 2)) {
        at_entry(p, e, "TT4001",
                 "ip_local_port_range " + std::to_string(lo) + " " + std::to_string(hi) +
                     ": both ends have the same parity; the kernel logs \"prefer different parity "
                     "for start/end values\", and its split of the range between connect() and "
                     "bind(0) is uneven",
                 {{"low", lo}, {"high", hi}}, Column::value);
      }
    }
  }

  void check_globs() {
    for (const Assignment& a : m_res.empty_globs) {
      const SysctlEntry& e = entry_of(m_set, a);
      at_entry(parsed_of(m_set, a), e, "TT2005",
               cat("glob ", e.key, " matches no key on ", kernel_text()));
    }
  }

  // What the boot program says of a file it cannot read, when no finding names that file yet:
  // systemd-sysctl on a directory named *.conf ("Is a directory", exit 1). (procps on a
  // dangling link already has the read error, TT1010.)
  void program_file_errors() {
    const char* program =
        m_set.semantics == Semantics::systemd ? "systemd-sysctl" : "sysctl --system";
    for (const ConfigSet::ProgramFileError& e : m_set.program_errors) {
      bool named = std::any_of(m_set.findings.begin(), m_set.findings.end(),
                               [&](const Finding& f) { return f.file == e.shown; });
      if (named) continue;
      Finding f;
      f.code = "TT1014";
      f.file = e.shown;
      f.hint =
          "Remove or rename it: only regular files (or links to them) belong in a sysctl.d "
          "directory";
      f.message = cat(program, ": ", e.message,
                      e.fails ? "; it exits 1 at boot (the unit fails), the other files are "
                                "still applied"
                              : "");
      push(std::move(f), nullptr, 0);
    }
  }

  const EffectiveKey* effective(const std::string& path) const {
    auto it = m_res.keys.find(path);
    return it == m_res.keys.end() ? nullptr : &it->second;
  }

  // The file the boot model names by its shown path, and the entry the parser read at `line`
  // of it (null when none: the program counts lines its own way, systemd also at a CR).
  // Entries are in line order: a binary search, not a walk, for each of a file's many writes.
  std::pair<const ParsedFile*, const SysctlEntry*> entry_at(const std::string& path,
                                                            int line) const {
    auto rank = m_file_rank.find(path);
    if (rank == m_file_rank.end()) return {nullptr, nullptr};
    const ParsedFile& file =
        m_set.parsed[static_cast<std::size_t>(m_order[static_cast<std::size_t>(rank->second)])];
    auto it = std::lower_bound(file.entries.begin(), file.entries.end(), line,
                               [](const SysctlEntry& e, int l) { return e.line < l; });
    if (it == file.entries.end() || it->line != line) return {&file, nullptr};
    return {&file, &*it};
  }

  // Writes the kernel refuses at boot (live mode: the boot model plays the writes in the
  // program's order over the live values). Keys the kernel checks against each other at the
  // time of the write (ipfrag_high_thresh against ipfrag_low_thresh, ip_unprivileged_port_start
  // against ip_local_port_range) are always said; any other refusal (a congestion control the
  // kernel does not have, often `cubic # comment`) when no check has said something about the
  // line already. A missing key is TT2001's; ip_local_port_range has its own check (TT4002).
  void check_refused_writes() {
    if (!m_boot) return;
    std::set<std::pair<std::string, int>> said;
    for (const Finding& f : m_out)
      if (f.severity != Severity::info) said.emplace(f.file, f.line);
    const char* program =
        m_set.semantics == Semantics::systemd ? "systemd-sysctl" : "sysctl --system";
    for (const auto& [path, k] : m_boot->keys) {
      if (path == "net/ipv4/ip_local_port_range") continue;
      for (const BootWrite& w : k.refused) {
        if (w.reason.empty() || w.reason.front() != 'E') continue;    // not the kernel's refusal
        if (w.reason.rfind("ENOENT: no such key", 0) == 0) continue;  // TT2001
        if (w.reason.rfind("EACCES", 0) == 0) continue;               // TT2008
        const bool order = w.reason.find("at the time of the write") != std::string::npos;
        if (!order && said.count({w.file, w.line}) != 0) continue;
        auto [file, entry] = entry_at(w.file, w.line);
        if (entry == nullptr) continue;  // only a line the parser read as an entry is named
        Finding f;
        f.code = "TT3002";
        f.key = k.key;
        f.value = w.value;
        f.file = w.file;
        f.line = w.line;
        f.column = 1;
        if (order) {
          f.message = cat(k.key, " = '", w.value, "': ", w.reason.substr(w.reason.find(':') + 2),
                          "; the kernel rejects it with EINVAL and keeps the old value (", program,
                          " write order)");
        } else {
          f.message = cat(k.key, " = '", w.value, "': the kernel refuses the write (", w.reason,
                          ") and keeps its value");
          f.hint =
              "Write a value the running kernel accepts (`tcptune config` shows each write "
              "and the kernel's answer)";
        }
        push(std::move(f), file, w.line);
      }
    }
  }

  // An interface key the kernel overwrites at boot with a value it copies from conf.default,
  // conf.all or ip_forward (live mode): the key's own assignment does not last. With systemd
  // the trap is often the no-change suppression: an assignment of the value the kernel already
  // holds is not written, so the interface keeps following conf.default.
  void check_kernel_copies() {
    if (!m_boot) return;
    for (const auto& [path, k] : m_boot->keys) {
      if (k.propagated_from.empty() || !k.value) continue;
      // The key's own last write the program made or skipped as unchanged.
      const BootWrite* own = k.winner ? &*k.winner : nullptr;
      if (own == nullptr) {
        for (const BootWrite& w : k.shadowed)
          if (w.outcome == "suppressed" || w.outcome == "written") own = &w;
      }
      if (own == nullptr || normalize_value(own->value) == normalize_value(*k.value)) continue;
      auto [file, entry] = entry_at(own->file, own->line);
      if (entry == nullptr) continue;  // only a line the parser read as an entry is named
      const bool skipped = own->outcome == "suppressed";
      Finding f;
      f.code = "TT5010";
      f.key = k.key;
      f.value = own->value;
      f.file = own->file;
      f.line = own->line;
      f.column = entry->kind == EntryKind::assign ? entry->key_column : 1;
      f.message =
          cat(k.key, " = ", own->value,
              skipped ? " is not written (systemd-sysctl skips a value the kernel already "
                        "holds), so the kernel still copies "
                      : " is written, but the kernel then copies ",
              k.propagated_from, " to it: ", k.key, " ends at ", *k.value, ", not ", own->value);
      f.evidence = {{"value_at_boot", *k.value}, {"copied_from", k.propagated_from}};
      push(std::move(f), file, own->line);
    }
  }

  void check_cross_keys() {
    if (const EffectiveKey* range = effective("net/ipv4/ip_local_port_range")) {
      auto ints = parse_int_fields(range->value);
      const SysctlEntry& e = entry_of(m_set, range->winner);
      const ParsedFile& p = parsed_of(m_set, range->winner);
      if (ints && ints->size() == 2) {
        std::int64_t lo = (*ints)[0];
        std::int64_t hi = (*ints)[1];
        std::int64_t unpriv = int_of("net/ipv4/ip_unprivileged_port_start").value_or(1024);
        if (lo < unpriv) {
          at_entry(p, e, "TT4002",
                   "ip_local_port_range starts at " + std::to_string(lo) +
                       ", below ip_unprivileged_port_start (" + std::to_string(unpriv) +
                       "): the kernel rejects the write with EINVAL",
                   {{"low", lo}, {"ip_unprivileged_port_start", unpriv}}, Column::value);
        }
        std::vector<std::pair<int, int>> reserved;
        if (auto r = value_of("net/ipv4/ip_local_reserved_ports")) {
          reserved = parse_port_list(*r).value_or(std::vector<std::pair<int, int>>{});
        }
        std::vector<std::string> hit;
        for (const Service& svc : m_keys.services()) {
          const int port = svc.port;
          const std::string& what = svc.name;
          if (port < lo || port > hi) continue;
          // Named capture: clang before 16 cannot capture a structured binding.
          bool is_reserved =
              std::any_of(reserved.begin(), reserved.end(),
                          [p = port](const auto& r) { return p >= r.first && p <= r.second; });
          if (!is_reserved) hit.push_back(std::to_string(port) + " (" + what + ")");
        }
        if (!hit.empty()) {
          std::vector<std::string> shown(
              hit.begin(),
              hit.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(hit.size(), 6)));
          at_entry(
              p, e, "TT4003",
              "ip_local_port_range " + std::to_string(lo) + "-" + std::to_string(hi) + " covers " +
                  std::to_string(hit.size()) + " well-known service port" +
                  (hit.size() == 1 ? "" : "s") + " not in ip_local_reserved_ports: " +
                  join(shown, ", ") + (hit.size() > 6 ? ", ..." : "") +
                  "; a service that starts later can fail with EADDRINUSE",
              {{"low", lo}, {"high", hi}, {"unreserved_service_ports", std::int64_t(hit.size())}},
              Column::value);
        }
      }
    }
    if (const EffectiveKey* reuse = effective("net/ipv4/tcp_tw_reuse")) {
      auto v = parse_int_fields(reuse->value);
      auto ts = int_of("net/ipv4/tcp_timestamps");
      if (v && v->size() == 1 && v->front() >= 1 && ts && *ts == 0) {
        at_entry(parsed_of(m_set, reuse->winner), entry_of(m_set, reuse->winner), "TT4006",
                 "tcp_tw_reuse = " + reuse->value +
                     " has no effect while tcp_timestamps = 0: reuse of a TIME_WAIT port needs the "
                     "old connection's timestamps",
                 {{"tcp_tw_reuse", v->front()}, {"tcp_timestamps", *ts}}, Column::value);
      }
    }
  }

  void check_precedence() {
    for (const auto& entry : m_res.keys) {
      const EffectiveKey& k = entry.second;  // a name the lambdas below can capture (clang < 16)
      const ConfigFile& wf = m_set.files[static_cast<std::size_t>(k.winner.file)];
      std::string where;  // the winner's place, made for the first assignment it overrides
      for (const Assignment& s : k.shadowed) {
        const ConfigFile& sf = m_set.files[static_cast<std::size_t>(s.file)];
        if (sf.parsed == wf.parsed) continue;  // same file: TT1006, or sysctl.conf applied twice
        if (where.empty())
          where = cat(wf.shown, ":", std::to_string(entry_of(m_set, k.winner).line));
        const SysctlEntry& se = entry_of(m_set, s);
        const ParsedFile& sp = parsed_of(m_set, s);
        bool same = normalize_value(se.value) == normalize_value(k.value);
        if (sf.admin && !same) {
          at_entry_made(sp, se, "TT5001", [&] {
            return std::pair(cat(se.key, " = ", se.value, " is overridden by ", where, " (",
                                 k.value, "), which is applied later"),
                             Evidence{{"winner", where}, {"winner_value", k.value}});
          });
        } else {
          at_entry_made(sp, se, "TT5006", [&] {
            return std::pair(cat(se.key, " is also set by ", where,
                                 same ? " to the same value" : cat(" (", k.value, ")"),
                                 ", which is applied later"),
                             Evidence{});
          });
        }
      }
    }
    if (m_set.semantics == Semantics::systemd && m_set.sysctl_conf_exists &&
        !m_set.sysctl_conf_linked && m_set.sysctl_conf_parsed >= 0 && !m_set.explicit_paths) {
      const ParsedFile& p = m_set.parsed[static_cast<std::size_t>(m_set.sysctl_conf_parsed)];
      auto first = std::find_if(p.entries.begin(), p.entries.end(),
                                [](const SysctlEntry& e) { return e.kind == EntryKind::assign; });
      if (first != p.entries.end()) {
        Finding f;
        f.code = "TT5002";
        f.message =
            "/etc/sysctl.conf is not read at boot: systemd-sysctl reads only sysctl.d "
            "directories, and no sysctl.d entry links to this file (such as 99-sysctl.conf)";
        f.file = p.path;
        f.line = first->line;
        f.column = first->key_column;
        push(std::move(f), &p, first->line);
      }
    }
    for (const ConfigFile& f : m_set.files) {
      if (f.role == FileRole::masked && !f.by.empty()) {
        at_file(f.shown, "TT5004", f.path + " is masked by " + f.by + " and is not applied");
      } else if (f.role == FileRole::overridden) {
        at_file(
            f.shown, "TT5005",
            f.path + " is replaced by " + f.by + " (same file name, higher-priority directory)");
      }
    }
    if (m_set.semantics == Semantics::procps && m_set.sysctl_conf_linked) {
      for (const ConfigFile& f : m_set.files) {
        if (f.tail) {
          at_file(
              f.shown, "TT5007",
              "/etc/sysctl.conf is applied twice by `sysctl --system`: through a sysctl.d link, "
              "and again after all sysctl.d files");
        }
      }
    }
  }

  const ConfigSet& m_set;
  const Catalog& m_keys;
  const CheckCatalog& m_checks;
  const LintOptions& m_opt;
  Resolution m_res;
  std::optional<BootModel> m_boot;
  /// "Did you mean" by key (views of the entries' keys, which live as long as the set).
  std::unordered_map<std::string_view, std::string> m_suggestions;
  std::vector<Finding> m_out;
  struct Dropped {
    std::size_t count = 0;
    Severity worst = Severity::info;
    bool invalid_input = false;  ///< malformed input among them: the summary keeps exit 2
    void add(Severity severity, bool invalid) {
      ++count;
      worst = std::max(worst, severity);
      invalid_input = invalid_input || invalid;
    }
  };
  std::map<std::string, std::size_t> m_per_file;
  std::map<std::string, Dropped> m_dropped;
  Dropped m_over_total;
  std::set<std::string> m_over_total_files;
  std::map<std::string, int> m_file_rank;
  std::vector<int> m_order;  ///< indices into m_set.parsed, by rank
};

}  // namespace

LintReport run_lint(const ConfigSet& set, const Catalog& keys, const CheckCatalog& checks,
                    const LintOptions& options) {
  return Linter(set, keys, checks, options).run();
}

}  // namespace tcptune
