#include "config/tree_root.hpp"

#include <filesystem>
#include <vector>

namespace tcptune {

std::optional<std::string> tree_root_of(const std::string& path) {
  if (path.empty()) return std::nullopt;
  std::string p = std::filesystem::path(path).lexically_normal().string();
  if (p.empty() || p.back() == '/') return std::nullopt;
  // The in-root directories of both semantics (sysctl.d(5), sysctl(8) --system).
  static const std::vector<std::string> dirs{"etc/sysctl.d/", "run/sysctl.d/",
                                             "usr/local/lib/sysctl.d/", "usr/lib/sysctl.d/",
                                             "lib/sysctl.d/"};
  auto root_before = [&](std::size_t at) -> std::optional<std::string> {
    // The layout must start at a path component: "xetc/sysctl.d" is not "etc/sysctl.d".
    if (at == 0) return std::string(".");
    if (p[at - 1] != '/') return std::nullopt;
    return at == 1 ? std::string("/") : p.substr(0, at - 1);
  };
  const std::string conf = "etc/sysctl.conf";
  if (p.size() >= conf.size() && p.compare(p.size() - conf.size(), conf.size(), conf) == 0)
    return root_before(p.size() - conf.size());
  std::size_t slash = p.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  std::string dir = p.substr(0, slash + 1);
  // usr/local/lib/sysctl.d and usr/lib/sysctl.d end like lib/sysctl.d: longest first.
  for (const std::string& d : dirs) {
    if (dir.size() >= d.size() && dir.compare(dir.size() - d.size(), d.size(), d) == 0) {
      if (auto r = root_before(dir.size() - d.size())) return r;
    }
  }
  return std::nullopt;
}

}  // namespace tcptune
