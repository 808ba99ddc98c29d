#pragma once
/// Checks a value against a catalog key's type and range (pure).

#include <optional>
#include <string>
#include <vector>

#include "core/catalog.hpp"

namespace tcptune {

struct ValueProblem {
  std::string
      code;  ///< TT3001 (not the type), TT3002 (kernel rejects), TT3003 (accepted but meaningless)
  std::string message;
};

/// nullopt when the value is fine for the key.
std::optional<ValueProblem> check_value(const KeyInfo& key, const std::string& value);

/// The integer fields of a value ("32768 60999" → {32768, 60999}); nullopt if any is not one.
std::optional<std::vector<std::int64_t>> parse_int_fields(const std::string& value);

/// A port list ("8080,9000-9010") → the set of ports; nullopt when malformed.
std::optional<std::vector<std::pair<int, int>>> parse_port_list(const std::string& value);

/// Normalizes whitespace: fields separated by single spaces (the kernel's reply format).
std::string normalize_value(const std::string& value);

}  // namespace tcptune
