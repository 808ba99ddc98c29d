#pragma once
/// The one finding type shared by every command: a lint diagnostic, a rule finding of `check`
/// or a parse error all have a code, a severity, a message, and where known a key, a value,
/// a file position, the evidence they rest on and a hint.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/owner.hpp"

namespace tcptune {

enum class Severity { info = 0, warning = 1, error = 2 };

std::string_view to_string(Severity s);
/// "error" | "warning" | "info" → Severity; nullopt otherwise.
std::optional<Severity> parse_severity(std::string_view text);

using EvidenceValue = std::variant<std::int64_t, double, std::string, bool>;
using Evidence = std::vector<std::pair<std::string, EvidenceValue>>;

/// One edit of a mechanical fix: line `line` (1-based) of the finding's file is replaced by
/// `replacement` (zero lines: the line is deleted; two lines: a comment moved above it, ...).
struct LineEdit {
  int line = 0;
  std::string original;                  ///< the line as read, for the diff and for checks
  std::vector<std::string> replacement;  ///< lines without their newline
  bool final_newline = true;  ///< false for the last line of a file that does not end in '\n'
};

/// A fix that needs no judgement (delete the line, restore the default, fix the parity,
/// correct a typo that has exactly one suggestion): what `lint --format diff` writes.
struct Fix {
  std::string description;      ///< "Delete the line", "Set 60 (the default)", ...
  std::vector<LineEdit> edits;  ///< in the finding's file, by line
};

struct Finding {
  std::string code;  ///< "TTnnnn"
  Severity severity = Severity::warning;
  std::string message;
  std::optional<std::string> key;    ///< dotted sysctl key, when a key is concerned
  std::optional<std::string> value;  ///< the value concerned
  std::string file;                  ///< empty when no file is concerned
  int line = 0;                      ///< 1-based; 0 when unknown
  int column = 0;                    ///< 1-based; 0 when unknown
  std::string source_line;           ///< the text of `line`, for the caret display
  Evidence evidence;
  std::string hint;
  /// The processes owning the sockets the finding is about (check with a census); empty when
  /// not looked up or not found.
  std::vector<SocketOwner> owners;
  /// True for malformed input (syntax, unreadable file): the command exits 2, not 1.
  bool invalid_input = false;
  /// A mechanical fix, when there is one (lint only).
  std::optional<Fix> fix;
};

/// A problem in tcptune's own data files (rules/, profiles/, the generated catalog): TT0001,
/// an error, marked invalid input (exit 2). `line`/`column` 0 when unknown.
Finding data_error(const std::string& file, int line, int column, const std::string& message);

/// Moves `more` (a loader's problems) to the end of `into`, for a caller that collects the
/// problems of several documents before it reports them.
void append(std::vector<Finding>& into, std::vector<Finding> more);

}  // namespace tcptune
