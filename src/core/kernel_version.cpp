#include "core/kernel_version.hpp"

#include "core/text_util.hpp"

#include <cctype>

namespace tcptune {

std::string KernelVersion::str(VersionForm form) const {
  std::string out = cat(std::to_string(major), ".", std::to_string(minor));
  if (form == VersionForm::full || patch != 0) out += cat(".", std::to_string(patch));
  return out;
}

namespace {

// Reads up to 4 digits at pos; returns -1 when there is no digit or the number is too long.
int read_number(std::string_view s, std::size_t& pos) {
  std::size_t start = pos;
  int value = 0;
  while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])) != 0) {
    if (pos - start >= 4) return -1;
    value = value * 10 + (s[pos] - '0');
    ++pos;
  }
  return pos == start ? -1 : value;
}

// A release string may carry a suffix ("6.1.0-18-amd64"); a version a user writes may not.
enum class Suffix { allowed, refused };

std::optional<KernelVersion> parse(std::string_view s, Suffix suffix) {
  std::size_t pos = 0;
  KernelVersion v;
  v.major = read_number(s, pos);
  if (v.major < 0 || pos >= s.size() || s[pos] != '.') return std::nullopt;
  ++pos;
  v.minor = read_number(s, pos);
  if (v.minor < 0) return std::nullopt;
  if (pos < s.size() && s[pos] == '.' && pos + 1 < s.size() &&
      std::isdigit(static_cast<unsigned char>(s[pos + 1])) != 0) {
    ++pos;
    v.patch = read_number(s, pos);
    if (v.patch < 0) return std::nullopt;
  }
  if (pos == s.size()) return v;
  if (suffix == Suffix::refused) return std::nullopt;
  // A suffix must not continue the number ("5.15x" is fine? no: a letter right after the
  // number is suspicious but real releases like "4.4.0rc1" exist) - accept any suffix that
  // does not start with a digit or a dot.
  if (s[pos] == '.' || std::isdigit(static_cast<unsigned char>(s[pos])) != 0) return std::nullopt;
  return v;
}

}  // namespace

std::optional<KernelVersion> parse_kernel_release(std::string_view release) {
  while (!release.empty() && std::isspace(static_cast<unsigned char>(release.back())) != 0) {
    release.remove_suffix(1);
  }
  return parse(release, Suffix::allowed);
}

std::optional<KernelVersion> parse_kernel_version(std::string_view text) {
  return parse(text, Suffix::refused);
}

}  // namespace tcptune
