#include "config/sysctl_d_parser.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_set>
#include <utility>

#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"

namespace tcptune {

std::string_view ParsedFile::line_text(int line) const {
  if (line < 1 || static_cast<std::size_t>(line) > line_spans.size()) return {};
  const LineSpan& s = line_spans[static_cast<std::size_t>(line) - 1];
  return raw().substr(s.begin, s.size);
}

bool ParsedFile::suppressed(const std::string& code, int line) const {
  if (file_suppressions.count(code) != 0) return true;
  auto it = line_suppressions.find(line);
  return it != line_suppressions.end() && it->second.count(code) != 0;
}

namespace {

constexpr std::size_t k_max_diagnostics = 200;

// How systemd-sysctl (path_simplify) and procps (its path lookup) read a key that tcptune's
// strict normalization refuses: a leading '/', empty and '.' components are dropped by both;
// a trailing separator only by systemd; '..' is followed only by procps (the kernel resolves
// it), and only while it stays inside /proc/sys.
struct ProgramSpelling {
  enum Kind { neither, both, systemd_only, procps_only } kind = neither;
  std::string path;  ///< the path the program writes
  std::string why;
};

ProgramSpelling program_spelling(std::string_view raw) {
  ProgramSpelling r;
  for (char c : raw) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ' || c == '\t' || c == '=') return r;
  }
  std::size_t first = raw.find_first_of("./");
  std::string t(raw);
  if (first != std::string_view::npos && raw[first] == '.')
    for (char& c : t) c = c == '.' ? '/' : c == '/' ? '.' : c;
  bool leading = !t.empty() && t.front() == '/';
  bool trailing = !t.empty() && t.back() == '/';
  std::vector<std::string> comps;
  bool dotdot = false;
  bool escaped = false;
  bool empty_or_dot = false;
  std::vector<std::string_view> parts = split(t, '/');
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string_view c = parts[i];
    if (c.empty() && ((i == 0 && leading) || (i + 1 == parts.size() && trailing))) continue;
    if (c.empty() || c == ".") {
      empty_or_dot = true;
      continue;
    }
    if (c == "..") {
      dotdot = true;
      if (comps.empty()) {
        escaped = true;
      } else {
        comps.pop_back();
      }
      continue;
    }
    comps.emplace_back(c);
  }
  if (comps.empty() || escaped) return r;
  std::string path;
  for (const std::string& c : comps) path += (path.empty() ? "" : "/") + c;
  r.path = path;
  std::vector<std::string> why;
  if (leading) why.push_back("a leading '/' is dropped");
  if (empty_or_dot) why.push_back("empty and '.' components are dropped");
  if (trailing) why.push_back("the trailing separator is dropped");
  if (dotdot) why.push_back("'..' is resolved by the kernel's path lookup");
  r.why = join(why, "; ");
  if (dotdot) {
    r.kind = trailing ? ProgramSpelling::neither : ProgramSpelling::procps_only;
  } else if (trailing) {
    r.kind = ProgramSpelling::systemd_only;
  } else {
    r.kind = ProgramSpelling::both;
  }
  return r;
}

class Parser {
 public:
  // Lines are kept as 32-bit offsets into the content: a file is at most k_max_config_bytes
  // (4 MiB) when read, and nothing past 4 GiB is parsed in any case.
  // The entries' texts are views into m_text: the content (moved in, or copied by the
  // string_view overload), and the canonical spellings the content does not have.
  Parser(std::string&& content, std::string path, Semantics semantics)
      : m_text(std::make_shared<FileText>()), m_semantics(semantics) {
    m_text->bytes = std::move(content);
    m_content =
        std::string_view(m_text->bytes).substr(0, std::numeric_limits<std::uint32_t>::max());
    m_out.path = std::move(path);
    m_out.text = m_text;
  }

  ParsedFile run() {
    // A NUL byte near the start means a binary file: one diagnostic, not one per line.
    // (One NUL on a text line is not a binary file: both programs read the other lines, and
    // the line up to the NUL; see parse_line.)
    std::string_view head = m_content.substr(0, 8192);
    std::size_t first_nul = head.find('\0');
    bool binary = false;
    if (first_nul != std::string_view::npos) {
      std::size_t bol = head.rfind('\n', first_nul);
      bol = bol == std::string_view::npos ? 0 : bol + 1;
      binary = std::count(head.begin(), head.end(), '\0') > 1 ||
               head.substr(bol, first_nul - bol).find('=') == std::string_view::npos;
    }
    if (std::size_t nul = first_nul; binary) {
      int line = 1 + static_cast<int>(std::count(
                         head.begin(), head.begin() + static_cast<std::ptrdiff_t>(nul), '\n'));
      add(line, 1, "TT1007",
          "binary file (NUL byte at offset " + std::to_string(nul) + "); the file was not read");
      m_out.lines_exact = false;
      return std::move(m_out);
    }
    // Reserved once (an upper bound: every entry's line has an '=' or starts with '-'), so that
    // a long file's vectors are not grown by doubling, each step a copy and twice the memory.
    std::size_t newlines =
        static_cast<std::size_t>(std::count(m_content.begin(), m_content.end(), '\n'));
    m_out.line_spans.reserve(newlines + 1);
    m_out.entries.reserve(
        std::min(newlines + 1,
                 static_cast<std::size_t>(std::count(m_content.begin(), m_content.end(), '=') +
                                          std::count(m_content.begin(), m_content.end(), '-'))));
    std::size_t pos = 0;
    int line_no = 0;
    while (pos < m_content.size()) {
      if (m_out.diagnostics.size() >= k_max_diagnostics) {
        add(line_no + 1, 1, "TT1007",
            "more than " + std::to_string(k_max_diagnostics) +
                " problems in this file; the rest of it was not read");
        m_out.lines_exact = false;
        break;
      }
      std::size_t nl = m_content.find('\n', pos);
      std::size_t end = nl == std::string_view::npos ? m_content.size() : nl;
      std::string_view line = m_content.substr(pos, end - pos);
      pos = nl == std::string_view::npos ? m_content.size() : nl + 1;
      ++line_no;
      if (nl == std::string_view::npos) m_out.final_newline = false;
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
        m_out.lines_exact = false;
      }
      std::string_view lead = trim(line.substr(0, 64));
      bool comment = !lead.empty() && (lead.front() == '#' || lead.front() == ';');
      if (line.size() > k_max_line_bytes && !comment) {
        add_line(line.substr(0, 200));
        m_out.lines_exact = false;
        add(line_no, 1, "TT1008",
            "line is " + std::to_string(line.size()) + " bytes long, over the limit of " +
                std::to_string(k_max_line_bytes) + "; it was not read");
        continue;
      }
      add_line(line);
      parse_line(line_no, line);
    }
    // A directive at the end of the file with no entry after it has nothing to apply to.
    return std::move(m_out);
  }

 private:
  // A view of `name` that lives as long as the file: `written` itself when it is the same text
  // (a view into the file's bytes), else the one copy of it in the file's names.
  std::string_view keep(const std::string& name, std::string_view written) {
    if (name == written) return written;
    if (auto it = m_names.find(name); it != m_names.end()) return *it;
    m_text->names.push_back(std::make_unique<const std::string>(name));
    return *m_names.insert(*m_text->names.back()).first;
  }

  // A line of m_content (a view into it), by its place in it.
  void add_line(std::string_view line) {
    m_out.line_spans.push_back({static_cast<std::uint32_t>(line.data() - m_content.data()),
                                static_cast<std::uint32_t>(line.size())});
  }

  // Invalid::yes: the line is not read (Finding::invalid_input).
  enum class Invalid { no, yes };

  void add(int line, int column, const char* code, std::string message,
           Severity sev = Severity::error, Invalid invalid = Invalid::yes) {
    Finding f;
    f.code = code;
    f.severity = sev;
    f.message = std::move(message);
    f.file = m_out.path;
    f.line = line;
    f.column = column;
    f.invalid_input = invalid == Invalid::yes;
    m_out.diagnostics.push_back(std::move(f));
  }

  static int col(std::string_view line, std::string_view part) {
    return static_cast<int>(part.data() - line.data()) + 1;
  }

  void parse_directive(int line_no, std::string_view line, std::string_view comment) {
    // comment is the text after '#' or ';'
    std::string_view c = trim(comment);
    constexpr std::string_view tag = "tcptune:";
    if (c.substr(0, tag.size()) != tag) return;
    std::string_view rest = trim(c.substr(tag.size()));
    constexpr std::string_view disable = "disable=";
    if (rest.substr(0, disable.size()) != disable) {
      add(line_no, col(line, rest.empty() ? comment : rest), "TT1012",
          "unrecognised tcptune directive; expected '# tcptune: disable=TTnnnn[,TTnnnn...]'",
          Severity::warning, Invalid::no);
      return;
    }
    std::string_view list = rest.substr(disable.size());
    std::set<std::string> codes;
    for (std::string_view item : split(list, ',')) {
      std::string_view code = trim(item);
      bool ok = code.size() == 6 && code[0] == 'T' && code[1] == 'T';
      for (std::size_t i = 2; ok && i < code.size(); ++i) ok = code[i] >= '0' && code[i] <= '9';
      if (!ok) {
        add(line_no, col(line, item), "TT1012",
            "malformed code '" + std::string(code) +
                "' in tcptune directive; codes look like TT2003",
            Severity::warning, Invalid::no);
        continue;
      }
      codes.insert(std::string(code));
      m_out.directive_codes.push_back({std::string(code), line_no, col(line, code)});
    }
    if (!m_seen_entry) {
      m_out.file_suppressions.insert(codes.begin(), codes.end());
    } else {
      m_pending.insert(codes.begin(), codes.end());
    }
  }

  static bool blank(char c) { return c == ' ' || c == '\t'; }

  /// An assignment with the '-' prefix (`body` follows it): the two programs differ on what
  /// comes right after the '-'. procps-ng 4.0.2 strips the '-' and then one more, and keeps a
  /// blank in the name (`- key` names "/proc/sys/ key", which it cannot stat: nothing is
  /// written, silently); systemd-sysctl strips the '-' and then the blanks, and keeps a second
  /// '-' in the name (`--key` names "-key", which no kernel has: nothing is written,
  /// silently). Returns false when the line writes nothing under these semantics (said as
  /// TT1003); may move `body` past a second '-' (procps).
  bool read_dash_prefix(int line_no, std::string_view line, std::string_view& body) {
    const bool procps = m_semantics == Semantics::procps;
    std::string_view rest = body;
    const bool two = rest.front() == '-';
    if (two) rest.remove_prefix(1);
    const bool blank_after = !rest.empty() && blank(rest.front());
    std::string_view name = trim(rest.substr(0, rest.find('=')));
    NormalizedKey nk = normalize_key(name);
    std::string key = nk.problem == KeyProblem::none ? nk.key : printable(name);
    // The key as written, with its '-' prefix (which precedes `body` on the line).
    std::string written =
        "'" + printable(trim(std::string_view(body.data() - 1, body.find('=') + 1))) + "'";
    if (blank_after && (procps || !two)) {
      if (!procps) {
        add(line_no, col(line, name), "TT1014",
            "systemd-sysctl writes " + key +
                " (it drops the blank after the '-' prefix); sysctl --system keeps the blank "
                "in the name, cannot stat it and writes nothing for this line",
            Severity::info, Invalid::no);
        m_out.diagnostics.back().hint = "Remove the blank after '-'";
        return true;
      }
      add(line_no, col(line, name), "TT1003",
          "key " + written +
              ": sysctl --system keeps the blank after the '-' prefix in the name, cannot stat "
              "it and skips the line without a word; systemd-sysctl writes " +
              key + "; tcptune does not read it");
      m_out.diagnostics.back().hint = "Remove the blank after '-'";
      return false;
    }
    if (!two) return true;
    if (procps) {
      add(line_no, col(line, name), "TT1014",
          "sysctl --system strips a second '-' and writes " + key +
              "; systemd-sysctl looks for a key named '-" + printable(name) +
              "', which no kernel has, and skips the line without a word",
          Severity::info, Invalid::no);
      m_out.diagnostics.back().hint = "Write one '-' before the key";
      body = rest;
      return true;
    }
    add(line_no, col(line, body) - 1, "TT1003",
        "key " + written + ": systemd-sysctl looks for a key named '-" + printable(name) +
            "', which no kernel has, and skips the line without a word (the first '-' only says "
            "to ignore a failure); sysctl --system strips a second '-' and writes " +
            key + "; tcptune does not read it");
    m_out.diagnostics.back().hint = "Write one '-' before the key";
    return false;
  }

  void parse_line(int line_no, std::string_view line) {
    if (const void* nul = std::memchr(line.data(), '\0', line.size()); nul != nullptr) {
      int c = static_cast<int>(static_cast<const char*>(nul) - line.data()) + 1;
      std::string_view before = line.substr(0, static_cast<std::size_t>(c - 1));
      if (before.find('=') == std::string_view::npos) {
        add(line_no, c, "TT1007", "NUL byte in line; the line was not read");
        return;
      }
      // procps reads the line up to the NUL; systemd-sysctl ends the line there and reads
      // the rest as a line of its own. Both write the assignment before it.
      add(line_no, c, "TT1007",
          "NUL byte in line: systemd-sysctl and sysctl --system both write the assignment "
          "before it (systemd-sysctl reads the rest as another line); tcptune reads it too");
      line = before;
    }
    std::string_view s = trim(line);
    if (s.empty()) return;
    if (s.front() == '#' || s.front() == ';') {
      parse_directive(line_no, line, s.substr(1));
      return;
    }
    if (std::size_t bad = find_invalid_utf8(line); bad != std::string_view::npos) {
      add(line_no, static_cast<int>(bad) + 1, "TT1007", "invalid UTF-8; the line was not read");
      return;
    }
    SysctlEntry e;
    e.line = line_no;
    std::string_view body = s;
    if (body.front() == '-') {
      e.ignore_failure = true;
      body.remove_prefix(1);
    }
    std::size_t eq = body.find('=');
    if (e.ignore_failure && eq != std::string_view::npos) {
      if (!read_dash_prefix(line_no, line, body)) return;
      eq = body.find('=');
    }
    std::string_view raw_key;
    if (eq == std::string_view::npos) {
      if (!e.ignore_failure) {
        add(line_no, col(line, s), "TT1001",
            "line is not an assignment: expected 'key = value' (or '-key' to exclude a key from "
            "globs)");
        return;
      }
      e.kind = EntryKind::exclude;
      raw_key = trim(body);
    } else {
      raw_key = trim(body.substr(0, eq));
      std::string_view raw_value = trim(body.substr(eq + 1));
      e.value = raw_value;
      e.value_column = raw_value.empty() ? col(line, body.substr(eq)) + 1 : col(line, raw_value);
    }
    e.key_column = raw_key.empty() ? col(line, body) : col(line, raw_key);
    if (raw_key.empty()) {
      add(line_no, e.key_column, "TT1002", "empty key before '='");
      return;
    }
    e.raw_key = raw_key;
    NormalizedKey nk = normalize_key(raw_key);
    if (nk.problem != KeyProblem::none) {
      ProgramSpelling ps = program_spelling(raw_key);
      // Only a path tcptune itself accepts in its slashed form (at least two components, each
      // a plain name): anything else keeps the strict finding below.
      if (ps.kind != ProgramSpelling::neither &&
          (ps.path.find('/') == std::string::npos ||
           normalize_key(ps.path).problem != KeyProblem::none))
        ps.kind = ProgramSpelling::neither;
      bool writer =
          (ps.kind == ProgramSpelling::systemd_only && m_semantics == Semantics::systemd) ||
          (ps.kind == ProgramSpelling::procps_only && m_semantics == Semantics::procps);
      if (ps.kind == ProgramSpelling::both) {
        // Both programs write it: read it as they do, and say so.
        nk = normalize_key(ps.path);
        add(line_no, e.key_column, "TT1014",
            "systemd-sysctl and sysctl --system both write '" + printable(raw_key) + "' as " +
                nk.key + " (" + ps.why + "); tcptune reads it the same way",
            Severity::info, Invalid::no);
        m_out.diagnostics.back().hint = "Write the key as " + nk.key;
      } else if (writer) {
        // Only the program of these semantics writes it: read it as that program does, and
        // say that the other one does not.
        nk = normalize_key(ps.path);
        add(line_no, e.key_column, "TT1014",
            ps.kind == ProgramSpelling::systemd_only
                ? "systemd-sysctl writes '" + printable(raw_key) + "' as " + nk.key + " (" +
                      ps.why +
                      "); tcptune reads it the same way. sysctl --system cannot stat it and "
                      "skips it without a word"
                : "sysctl --system writes '" + printable(raw_key) + "' as " + nk.key + " (" +
                      ps.why +
                      "); tcptune reads it the same way. systemd-sysctl refuses it (\"Invalid "
                      "argument\") and fails",
            Severity::info, Invalid::no);
        m_out.diagnostics.back().hint = "Write the key as " + nk.key;
      } else if (ps.kind != ProgramSpelling::neither) {
        std::string writes =
            ps.kind == ProgramSpelling::systemd_only ? "systemd-sysctl" : "sysctl --system";
        std::string refuses =
            ps.kind == ProgramSpelling::systemd_only
                ? "sysctl --system cannot stat it and skips it without a word (--system implies -e)"
                : "systemd-sysctl refuses it (\"Invalid argument\") and fails";
        add(line_no, e.key_column, ps.kind == ProgramSpelling::procps_only ? "TT1004" : "TT1003",
            "key '" + printable(raw_key) + "': " + writes + " writes it as " +
                path_to_key(ps.path) + " (" + ps.why + "), " + refuses +
                "; tcptune does not read it");
        return;
      }
    }
    if (nk.problem == KeyProblem::escapes_proc) {
      add(line_no, e.key_column, "TT1004",
          "key '" + printable(raw_key) + "' would escape /proc/sys: " + nk.reason);
      return;
    }
    if (nk.problem != KeyProblem::none) {
      add(line_no, e.key_column, "TT1003",
          "invalid key '" + printable(raw_key) + "': " + nk.reason);
      return;
    }
    e.key = keep(nk.key, raw_key);
    e.path = keep(nk.path, raw_key);
    e.glob = nk.glob;
    if (e.kind == EntryKind::assign) {
      for (std::size_t i = 0; i < e.value.size(); ++i) {
        auto u = static_cast<unsigned char>(e.value[i]);
        if ((u < 0x20 && u != '\t') || u == 0x7f) {
          std::string msg = cat("control character 0x", hex(u), " in the value of ", e.key);
          if (u == '\r')
            msg +=
                ": a CR alone ends the line for systemd-sysctl (it writes what comes before "
                "and reads the rest as the next line); sysctl --system writes it all and the "
                "kernel refuses it (EINVAL)";
          add(line_no, e.value_column + static_cast<int>(i), "TT1005", msg);
          return;
        }
      }
      if (e.value.empty()) {
        add(line_no, e.value_column, "TT1011",
            cat("empty value for ", e.key, ": an empty string is written, which most keys reject"),
            Severity::warning, Invalid::no);
      }
    }
    m_seen_entry = true;
    if (!m_pending.empty()) {
      m_out.line_suppressions[line_no].insert(m_pending.begin(), m_pending.end());
      m_pending.clear();
    }
    m_out.entries.push_back(std::move(e));
  }

  static std::string hex(unsigned v) {
    const char* digits = "0123456789abcdef";
    std::string out;
    out += digits[(v >> 4) & 0xF];
    out += digits[v & 0xF];
    return out;
  }

  static std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 120)) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) {
        out += "\\x" + hex(u);
      } else {
        out += c;
      }
    }
    if (s.size() > 120) out += "...";
    return out;
  }

  std::shared_ptr<FileText> m_text;
  std::string_view m_content;                    ///< m_text->bytes
  std::unordered_set<std::string_view> m_names;  ///< views of m_text->names
  Semantics m_semantics;
  ParsedFile m_out;
  bool m_seen_entry = false;
  std::set<std::string> m_pending;
};

}  // namespace

ParsedFile parse_sysctl_d(std::string_view content, std::string path, Semantics semantics) {
  return Parser(std::string(content), std::move(path), semantics).run();
}

ParsedFile parse_sysctl_d(std::string&& content, std::string path, Semantics semantics) {
  return Parser(std::move(content), std::move(path), semantics).run();
}

}  // namespace tcptune
