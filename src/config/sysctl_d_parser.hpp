#pragma once
/// Parser for one sysctl.d file (systemd's sysctl.d(5) syntax, which procps also reads).
///
/// It never fails: every problem becomes a Finding (TT1xxx) with file, line and column, and
/// parsing goes on with the next line. Positions are 1-based; columns count bytes.

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.hpp"

namespace tcptune {

/// Which program reads the files at boot: systemd-sysctl 252 or procps-ng 4.0.2 `sysctl
/// --system`. They read a few spellings differently (a trailing separator, '..', a blank or a
/// second '-' after the '-' prefix); the parser reads each line as the chosen one does.
enum class Semantics { systemd, procps };

/// Longest line read; longer lines are reported (TT1008) and skipped. systemd-sysctl's own
/// limit (LONG_LINE_MAX, 1 MiB): both programs apply lines over 4096 bytes.
inline constexpr std::size_t k_max_line_bytes = 1024 * 1024;

enum class EntryKind {
  assign,   ///< key = value
  exclude,  ///< -key (no '='): exclude the key from glob assignments
};

struct SysctlEntry {
  EntryKind kind = EntryKind::assign;
  int line = 0;
  int key_column = 0;           ///< column of the key's first character (after a '-' prefix)
  int value_column = 0;         ///< column of the value's first character (or just past '=')
  std::string raw_key;          ///< as written, without the '-' prefix
  std::string key;              ///< canonical dotted key
  std::string path;             ///< relative /proc/sys path
  std::string value;            ///< stripped value ("" for exclusions and empty values)
  bool ignore_failure = false;  ///< the line starts with '-'
  bool glob = false;
};

struct ParsedFile {
  std::string path;  ///< as shown to the user
  std::string raw;   ///< the file's bytes (the boot model reads them as each program does)
  std::vector<SysctlEntry> entries;
  std::vector<Finding> diagnostics;  ///< TT1xxx findings, in line order
  /// Where each of the file's lines is in `raw` (CR stripped; a line over k_max_line_bytes cut
  /// to its first 200 bytes), for caret display and fixes: 8 bytes a line, not a copy of it.
  struct LineSpan {
    std::uint32_t begin = 0;
    std::uint32_t size = 0;
  };
  std::vector<LineSpan> line_spans;
  /// The lines are the file byte for byte (no CR stripped, no line cut short, the whole file
  /// read, not binary): only then can a fix be written as a diff against it.
  bool lines_exact = true;
  bool final_newline = true;                ///< the last line ends with '\n' (or the file is empty)
  std::set<std::string> file_suppressions;  ///< codes disabled for the whole file
  std::map<int, std::set<std::string>> line_suppressions;  ///< entry line → codes disabled
  /// Directive codes with their position, so that unknown codes can be reported later.
  struct DirectiveCode {
    std::string code;
    int line = 0;
    int column = 0;
  };
  std::vector<DirectiveCode> directive_codes;

  /// How many lines were read.
  [[nodiscard]] std::size_t line_count() const { return line_spans.size(); }
  /// The text of a 1-based line (a view into `raw`), or "" when out of range.
  [[nodiscard]] std::string_view line_text(int line) const;
  /// Whether `code` is disabled for an entry on `line`.
  [[nodiscard]] bool suppressed(const std::string& code, int line) const;
};

/// Parses `content` (the whole file) as `semantics` reads it. `path` is used in diagnostics only.
ParsedFile parse_sysctl_d(std::string_view content, std::string path,
                          Semantics semantics = Semantics::systemd);

}  // namespace tcptune
