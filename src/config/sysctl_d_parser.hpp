#pragma once
/// Parser for one sysctl.d file (systemd's sysctl.d(5) syntax, which procps also reads).
///
/// It never fails: every problem becomes a Finding (TT1xxx) with file, line and column, and
/// parsing goes on with the next line. Positions are 1-based; columns count bytes.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
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

enum class EntryKind : std::uint8_t {
  assign,   ///< key = value
  exclude,  ///< -key (no '='): exclude the key from glob assignments
};

/// The bytes of a parsed file and the spellings of its keys that are not in them: what the
/// views of its entries point into. Shared by the copies of a ParsedFile and never changed once
/// the parser is done, so that an entry stays valid as long as any copy of its file lives.
struct FileText {
  std::string bytes;
  /// Canonical keys and paths that differ from what the file says, each in a heap block of its
  /// own, so that a view of one stays valid while the parser adds more. One string per distinct
  /// name: a file that sets a few keys a hundred thousand times holds a few of them, not 200,000.
  std::vector<std::unique_ptr<const std::string>> names;
};

/// One assignment or exclusion. Its texts are views into its file's FileText: an entry is valid
/// as long as a ParsedFile (or a copy) it came from lives. 80 bytes on a 64-bit system, where
/// four strings of its own made it 152 bytes and three heap blocks a line.
struct SysctlEntry {
  std::string_view raw_key;  ///< as written, without the '-' prefix
  std::string_view key;      ///< canonical dotted key
  std::string_view path;     ///< relative /proc/sys path
  std::string_view value;    ///< stripped value ("" for exclusions and empty values)
  int line = 0;
  int key_column = 0;    ///< column of the key's first character (after a '-' prefix)
  int value_column = 0;  ///< column of the value's first character (or just past '=')
  EntryKind kind = EntryKind::assign;
  bool ignore_failure = false;  ///< the line starts with '-'
  bool glob = false;
};

struct ParsedFile {
  std::string path;  ///< as shown to the user
  /// The file's bytes and its keys' canonical spellings (the entries' texts point into them).
  std::shared_ptr<const FileText> text;
  std::vector<SysctlEntry> entries;
  std::vector<Finding> diagnostics;  ///< TT1xxx findings, in line order
  /// Where each of the file's lines is in raw() (CR stripped; a line over k_max_line_bytes cut
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

  /// The file's bytes (the boot model reads them as each program does).
  [[nodiscard]] std::string_view raw() const {
    return text ? std::string_view(text->bytes) : std::string_view();
  }
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
/// As above, keeping `content` itself as the file's text (no copy of a file of megabytes).
ParsedFile parse_sysctl_d(std::string&& content, std::string path,
                          Semantics semantics = Semantics::systemd);
inline ParsedFile parse_sysctl_d(const char* content, std::string path,
                                 Semantics semantics = Semantics::systemd) {
  return parse_sysctl_d(std::string_view(content), std::move(path), semantics);
}

}  // namespace tcptune
