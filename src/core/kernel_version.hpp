#pragma once
/// Kernel release strings ("5.15.0-91-generic", "3.10.0-1160.el7.x86_64", "6.18.44-fc-v595",
/// "4.19.0+") and the X.Y[.Z] versions used in the catalog and on the command line.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace tcptune {

/// How KernelVersion::str() writes a zero patch level: "6.1.0" (full) or "6.1" (short_form).
enum class VersionForm { full, short_form };

struct KernelVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  auto operator<=>(const KernelVersion&) const = default;
  bool operator==(const KernelVersion&) const = default;

  /// "X.Y.Z", or "X.Y" when patch is 0 and VersionForm::short_form is asked for.
  [[nodiscard]] std::string str(VersionForm form = VersionForm::full) const;
};

/// Parses a release string: leading "X.Y" or "X.Y.Z", then anything that starts with a
/// non-digit ('-', '+', '_', '~'...). Returns nullopt for anything else ("", "abc", "5",
/// "5.x", numbers over 9999).
std::optional<KernelVersion> parse_kernel_release(std::string_view release);

/// Parses a strict "X.Y" or "X.Y.Z" (catalog, --kernel). Nothing may follow.
std::optional<KernelVersion> parse_kernel_version(std::string_view text);

}  // namespace tcptune
