#include "core/result.hpp"

#include <cstring>

namespace tcptune {

std::string SysError::message() const {
  std::string out = path;
  if (err != 0) {
    out += out.empty() ? "" : ": ";
    out += std::strerror(err);
  }
  if (!detail.empty()) {
    out += out.empty() ? "" : ": ";
    out += detail;
  }
  return out;
}

}  // namespace tcptune
