#pragma once
/// Small string helpers shared by parsers and renderers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcptune {

/// Whitespace as systemd and procps strip it: space, \t, \n, \r, \v, \f.
bool is_space(char c);
/// The kernel's isspace() (lib/ctype.c): is_space() and Latin-1's no-break space (0xA0), which
/// the kernel skips before a number it parses from a sysctl write and between command-line words.
bool kernel_isspace(char c);
std::string_view trim(std::string_view s);
/// Splits on runs of whitespace; no empty fields.
std::vector<std::string_view> split_ws(std::string_view s);
/// The same into `out` (cleared first), for a caller that splits many lines into one vector.
void split_ws_into(std::string_view s, std::vector<std::string_view>& out);
std::vector<std::string_view> split(std::string_view s, char sep);

/// Parses an integer the way the kernel's proc handlers do (base 0: "0x1b6", "0755" octal,
/// decimal), with an optional '-' sign. The whole text must be consumed. nullopt on overflow
/// of int64 or garbage.
std::optional<std::int64_t> parse_kernel_int(std::string_view s);

/// Byte offset of the first invalid UTF-8 sequence, or npos when the text is valid.
std::size_t find_invalid_utf8(std::string_view s);

/// Damerau-Levenshtein (optimal string alignment) distance.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The same distance when it is at most `limit`, else some value above `limit` (stops early
/// once every alignment exceeds it). Reuses per-thread buffers: no allocation per call once
/// they have grown to the longest word.
std::size_t edit_distance_within(std::string_view a, std::string_view b, std::size_t limit);

/// How many edits a "did you mean" accepts for a word of this length: 1 below 6 characters,
/// 2 below 30, else 3.
std::size_t suggestion_distance(std::size_t length);

/// The closest candidate within a distance that scales with the length, or "" if none.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// Concatenates string-like parts into one string, allocated once. Prefer it to
/// `"literal" + std::string(...)`: operator+(const char*, std::string&&) inserts at the front of
/// the temporary, and GCC 12 at -O3 or with _FORTIFY_SOURCE reports that insert as a
/// -Wrestrict overlap (a false positive, GCC PR 105651) that breaks -Werror Release builds.
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  out.reserve((std::string_view(parts).size() + ... + std::size_t{0}));
  (out.append(std::string_view(parts)), ...);
  return out;
}

/// Columns a line takes on a terminal: ANSI escape sequences (CSI ... final byte) take none,
/// every UTF-8 code point one.
std::size_t display_width(std::string_view line);

/// One line (no newline in it) wrapped to `width` columns at spaces, never inside a word: a
/// word longer than the room stays whole on a line of its own. Continuation lines start with a
/// hanging indent: 4 columns for a line that starts at column 0, the line's own indent + 2
/// otherwise. The result has no trailing newline. A line that fits, or width 0, is returned as
/// is.
std::string wrap_line(std::string_view line, std::size_t width);

/// Every line of `text` wrapped by wrap_line, except a source excerpt and its caret line (a
/// line of spaces and '^' or '~'), whose columns must stay aligned.
std::string wrap_text(std::string_view text, std::size_t width);

/// Joins with a separator.
std::string join(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace tcptune
