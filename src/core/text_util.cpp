#include "core/text_util.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace tcptune {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool kernel_isspace(char c) { return is_space(c) || static_cast<unsigned char>(c) == 0xa0; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  split_ws_into(s, out);
  return out;
}

void split_ws_into(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    std::size_t p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

std::optional<std::int64_t> parse_kernel_int(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  constexpr std::uint64_t limit =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t value = 0;
  for (char c : s) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    if (digit >= base) return std::nullopt;
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / base) return std::nullopt;
    value = value * base + digit;
  }
  if (!negative && value > limit) return std::nullopt;
  if (negative) {
    if (value > limit + 1) return std::nullopt;
    if (value == limit + 1) return std::numeric_limits<std::int64_t>::min();
    return -static_cast<std::int64_t>(value);
  }
  return static_cast<std::int64_t>(value);
}

std::size_t find_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    // Overlong forms, surrogates and out-of-range code points are invalid.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

namespace {

// Hyyrö's bit-parallel optimal-string-alignment distance ("A bit-vector algorithm for computing
// Levenshtein and Damerau edit distances", 2003): one column of the table in two words per
// character of `text`, for a `pattern` of 1 to 64 characters. Stops once the distance can no
// longer come down to `limit` (each remaining character lowers it by at most one).
std::size_t osa_bit_parallel(std::string_view pattern, std::string_view text, std::size_t limit) {
  // Which positions of the pattern hold each byte; cleared again before returning.
  thread_local std::array<std::uint64_t, 256> peq{};
  for (std::size_t i = 0; i < pattern.size(); ++i)
    peq[static_cast<unsigned char>(pattern[i])] |= std::uint64_t{1} << i;
  const std::uint64_t last = std::uint64_t{1} << (pattern.size() - 1);
  std::uint64_t vp = ~std::uint64_t{0};
  std::uint64_t vn = 0;
  std::uint64_t d0 = 0;
  std::uint64_t pm_before = 0;
  std::size_t dist = pattern.size();
  std::size_t left = text.size();
  for (char c : text) {
    const std::uint64_t pm = peq[static_cast<unsigned char>(c)];
    const std::uint64_t tr = ((~d0 & pm) << 1) & pm_before;
    d0 = (((pm & vp) + vp) ^ vp) | pm | vn | tr;
    std::uint64_t hp = vn | ~(d0 | vp);
    std::uint64_t hn = d0 & vp;
    if ((hp & last) != 0) ++dist;
    if ((hn & last) != 0) --dist;
    hp = (hp << 1) | 1;
    hn <<= 1;
    vp = hn | ~(d0 | hp);
    vn = hp & d0;
    pm_before = pm;
    --left;
    if (dist > limit + left) break;
  }
  for (char c : pattern) peq[static_cast<unsigned char>(c)] = 0;
  return dist > limit ? limit + 1 : dist;
}

}  // namespace

std::size_t edit_distance_within(std::string_view a, std::string_view b, std::size_t limit) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  if ((n > m ? n - m : m - n) > limit) return limit + 1;
  if (n == 0 || m == 0) return std::max(n, m);
  if (n <= 64) return osa_bit_parallel(a, b, limit);
  if (m <= 64) return osa_bit_parallel(b, a, limit);
  // Three rolling rows (i-2, i-1, i) of the optimal-string-alignment table, and only the band
  // |i - j| <= limit of each: a cell outside it is above the limit anyway.
  const std::size_t big = limit + 1;
  thread_local std::vector<std::size_t> rows;
  if (rows.size() < 3 * (m + 2)) rows.resize(3 * (m + 2));
  std::size_t* prev2 = rows.data();
  std::size_t* prev = prev2 + (m + 2);
  std::size_t* cur = prev + (m + 2);
  for (std::size_t j = 0; j <= m + 1; ++j) {
    prev[j] = std::min(j, big);
    prev2[j] = big;
    cur[j] = big;
  }
  for (std::size_t i = 1; i <= n; ++i) {
    std::size_t jlo = i > limit ? i - limit : 1;
    std::size_t jhi = std::min(m, i + limit);
    cur[jlo - 1] = jlo == 1 ? std::min(i, big) : big;
    std::size_t row_min = cur[jlo - 1];
    for (std::size_t j = jlo; j <= jhi; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      std::size_t v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        v = std::min(v, prev2[j - 2] + 1);
      cur[j] = std::min(v, big);
      row_min = std::min(row_min, cur[j]);
    }
    if (jhi + 1 <= m) cur[jhi + 1] = big;
    if (row_min > limit) return big;
    std::size_t* t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[m];
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  return edit_distance_within(a, b, std::max(a.size(), b.size()));
}

std::size_t suggestion_distance(std::size_t length) {
  return length < 6 ? 1 : (length < 30 ? 2 : 3);
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::size_t allowed = suggestion_distance(word.size());
  std::size_t best = std::numeric_limits<std::size_t>::max();
  const std::string* best_word = nullptr;
  for (const auto& c : candidates) {
    if (c == word) continue;
    std::size_t d = edit_distance_within(word, c, allowed);
    if (d <= allowed && d < best) {
      best = d;
      best_word = &c;
    }
  }
  return best_word == nullptr ? std::string() : *best_word;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out += sep;
    out += parts[i];
  }
  return out;
}

}  // namespace tcptune

namespace tcptune {

namespace {

/// Length of the ANSI escape sequence at s[i] (ESC [ params final), 0 when there is none.
std::size_t escape_length(std::string_view s, std::size_t i) {
  if (s[i] != '\033' || i + 1 >= s.size() || s[i + 1] != '[') return 0;
  std::size_t j = i + 2;
  while (j < s.size() &&
         (static_cast<unsigned char>(s[j]) < 0x40 || static_cast<unsigned char>(s[j]) > 0x7e))
    ++j;
  return j < s.size() ? j - i + 1 : s.size() - i;
}

bool is_caret_line(std::string_view line) {
  bool mark = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (std::size_t n = escape_length(line, i); n > 0) {
      i += n - 1;
    } else if (line[i] == '^' || line[i] == '~') {
      mark = true;
    } else if (line[i] != ' ') {
      return false;
    }
  }
  return mark;
}

}  // namespace

std::size_t display_width(std::string_view line) {
  std::size_t cols = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (std::size_t n = escape_length(line, i); n > 0) {
      i += n - 1;
    } else if ((static_cast<unsigned char>(line[i]) & 0xc0) != 0x80) {
      ++cols;
    }
  }
  return cols;
}

std::string wrap_line(std::string_view line, std::size_t width) {
  if (width == 0 || display_width(line) <= width) return std::string(line);
  std::size_t indent = 0;
  while (indent < line.size() && line[indent] == ' ') ++indent;
  std::size_t hang = indent == 0 ? 4 : indent + 2;
  if (hang * 2 > width) hang = std::min(indent, width / 2);
  std::string out(line.substr(0, indent));
  std::size_t col = indent;
  bool line_has_word = false;
  std::size_t i = indent;
  while (i < line.size()) {
    std::size_t spaces_end = i;
    while (spaces_end < line.size() && line[spaces_end] == ' ') ++spaces_end;
    std::size_t word_end = spaces_end;
    while (word_end < line.size() && line[word_end] != ' ') ++word_end;
    if (word_end == spaces_end) break;  // trailing spaces: dropped
    std::string_view spaces = line.substr(i, spaces_end - i);
    std::string_view word = line.substr(spaces_end, word_end - spaces_end);
    std::size_t w = display_width(word);
    if (line_has_word && col + spaces.size() + w > width) {
      out += '\n';
      out.append(hang, ' ');
      col = hang;
    } else {
      out += spaces;
      col += spaces.size();
    }
    out += word;
    col += w;
    line_has_word = true;
    i = word_end;
  }
  return out;
}

std::string wrap_text(std::string_view text, std::size_t width) {
  if (width == 0) return std::string(text);
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    bool excerpt = (i + 1 < lines.size() && is_caret_line(lines[i + 1])) || is_caret_line(lines[i]);
    out += excerpt ? std::string(lines[i]) : wrap_line(lines[i], width);
    if (i + 1 < lines.size()) out += '\n';
  }
  return out;
}

}  // namespace tcptune
