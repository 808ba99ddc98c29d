#include "core/version.hpp"

#ifndef TCPTUNE_VERSION
#define TCPTUNE_VERSION "0.0.0"
#endif

namespace tcptune {

std::string_view version() { return TCPTUNE_VERSION; }

}  // namespace tcptune
