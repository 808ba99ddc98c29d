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

}  // namespace tcptune
