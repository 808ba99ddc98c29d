#pragma once
/// Terminal styling for text output (ANSI colours, on or off).

#include <string>
#include <string_view>

#include "core/finding.hpp"

namespace tcptune {

class Style {
 public:
  explicit Style(bool color) : m_color(color) {}
  [[nodiscard]] std::string bold(std::string_view s) const { return wrap("1", s); }
  [[nodiscard]] std::string dim(std::string_view s) const { return wrap("2", s); }
  [[nodiscard]] std::string green(std::string_view s) const { return wrap("32", s); }
  [[nodiscard]] std::string red(std::string_view s) const { return wrap("31", s); }
  [[nodiscard]] std::string severity(Severity sev, std::string_view s) const {
    switch (sev) {
      case Severity::error:
        return wrap("1;31", s);
      case Severity::warning:
        return wrap("1;35", s);
      case Severity::info:
        return wrap("1;36", s);
    }
    return std::string(s);
  }

 private:
  [[nodiscard]] std::string wrap(const char* code, std::string_view s) const {
    if (!m_color) return std::string(s);
    return std::string("\033[") + code + "m" + std::string(s) + "\033[0m";
  }
  bool m_color;
};

}  // namespace tcptune
