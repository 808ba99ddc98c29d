#pragma once
/// The version tcptune was built as (from CMake's project version).

#include <string_view>

namespace tcptune {

std::string_view version();

}  // namespace tcptune
