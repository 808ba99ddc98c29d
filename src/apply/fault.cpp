#include "apply/fault.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <thread>

#include "core/exit_code.hpp"
#include "core/text_util.hpp"

namespace tcptune {

Faults Faults::from_env() {
  Faults f;
  const char* spec = std::getenv("TCPTUNE_FAULT");
  if (spec == nullptr || *spec == '\0') return f;
  static const std::set<std::string, std::less<>> known{"journal",  "fragment", "live",
                                                        "readback", "commit",   "rollback"};
  for (std::string_view item : split(spec, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    std::string_view name = item;
    int n = 1;
    if (std::size_t colon = item.find(':'); colon != std::string_view::npos) {
      name = item.substr(0, colon);
      std::optional<std::int64_t> v = parse_kernel_int(item.substr(colon + 1));
      if (!v || *v < 1 || *v > 1000000)
        throw UsageError("TCPTUNE_FAULT: '" + std::string(item) + "': N must be a number >= 1");
      n = static_cast<int>(*v);
    }
    if (known.find(name) == known.end())
      throw UsageError("TCPTUNE_FAULT: unknown point '" + std::string(name) +
                       "' (journal, fragment, live, readback, commit, rollback)");
    f.m_points[std::string(name)] = n;
  }
  if (const char* a = std::getenv("TCPTUNE_FAULT_ACTION"); a != nullptr && *a != '\0') {
    std::string_view act = a;
    if (act == "fail") {
      f.m_action = Action::fail;
    } else if (act == "crash") {
      f.m_action = Action::crash;
    } else if (act == "stall") {
      f.m_action = Action::stall;
    } else {
      throw UsageError("TCPTUNE_FAULT_ACTION must be fail, crash or stall");
    }
  }
  if (const char* s = std::getenv("TCPTUNE_FAULT_STALL_SECONDS"); s != nullptr && *s != '\0') {
    std::optional<std::int64_t> v = parse_kernel_int(s);
    if (!v || *v < 0 || *v > 600) throw UsageError("TCPTUNE_FAULT_STALL_SECONDS must be 0..600");
    f.m_stall_seconds = static_cast<int>(*v);
  }
  return f;
}

bool Faults::hit(std::string_view point, int n) const {
  auto it = m_points.find(point);
  if (it == m_points.end() || it->second != n) return false;
  switch (m_action) {
    case Action::crash:
      ::_exit(99);
    case Action::stall:
      std::this_thread::sleep_for(std::chrono::seconds(m_stall_seconds));
      return false;
    case Action::fail:
      return true;
  }
  return false;
}

bool Faults::next(std::string_view point) {
  if (m_points.empty()) return false;
  auto it = m_counts.find(point);
  if (it == m_counts.end()) it = m_counts.emplace(std::string(point), 0).first;
  return hit(point, ++it->second);
}

}  // namespace tcptune
