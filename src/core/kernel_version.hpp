#pragma once
/// Kernel release strings ("5.15.0-91-generic", "3.10.0-1160.el7.x86_64", "6.18.44-fc-v595",
/// "4.19.0+") and the X.Y[.Z] versions used in the catalog and on the command line.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace tcptune {

struct KernelVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  auto operator<=>(const KernelVersion&) const = default;
  bool operator==(const KernelVersion&) const = default;

  /// "X.Y.Z" (or "X.Y" when patch is 0 and short is requested).
  [[nodiscard]] std::string str(bool short_form = false) const;
};

/// Parses a release string: leading "X.Y" or "X.Y.Z", then anything that starts with a
/// non-digit ('-', '+', '_', '~'...). Returns nullopt for anything else ("", "abc", "5",
/// "5.x", numbers over 9999).
std::optional<KernelVersion> parse_kernel_release(std::string_view release);

/// Parses a strict "X.Y" or "X.Y.Z" (catalog, --kernel). Nothing may follow.
std::optional<KernelVersion> parse_kernel_version(std::string_view text);

}  // namespace tcptune
