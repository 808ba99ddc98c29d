#include "core/finding.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>

namespace tcptune {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::info:
      return "info";
    case Severity::warning:
      return "warning";
    case Severity::error:
      return "error";
  }
  return "error";
}

std::optional<Severity> parse_severity(std::string_view text) {
  if (text == "info") return Severity::info;
  if (text == "warning") return Severity::warning;
  if (text == "error") return Severity::error;
  return std::nullopt;
}

Finding data_error(const std::string& file, int line, int column, const std::string& message) {
  Finding f;
  f.code = "TT0001";
  f.severity = Severity::error;
  f.message = message;
  f.file = file;
  f.line = line;
  f.column = column;
  f.invalid_input = true;
  return f;
}

void append(std::vector<Finding>& into, std::vector<Finding> more) {
  into.insert(into.end(), std::make_move_iterator(more.begin()),
              std::make_move_iterator(more.end()));
}

}  // namespace tcptune
