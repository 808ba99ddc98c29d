#include "core/sysctl_key.hpp"

#include <vector>

namespace tcptune {

namespace {

std::string swap_separators(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '.') {
      c = '/';
    } else if (c == '/') {
      c = '.';
    }
  }
  return out;
}

NormalizedKey fail(KeyProblem p, std::string reason) {
  NormalizedKey k;
  k.problem = p;
  k.reason = std::move(reason);
  return k;
}

}  // namespace

NormalizedKey normalize_key(std::string_view raw) {
  if (raw.empty()) return fail(KeyProblem::empty, "the key is empty");
  for (char c : raw) {
    if (c == '\0') return fail(KeyProblem::escapes_proc, "the key contains a NUL byte");
    if (c == '\n' || c == '\r') return fail(KeyProblem::escapes_proc, "the key contains a newline");
  }
  if (raw.front() == '/') {
    return fail(KeyProblem::escapes_proc,
                "the key is an absolute path; write it relative to /proc/sys");
  }
  // "../" or "/.." anywhere is a traversal attempt, whichever separator style the key uses.
  if (raw == ".." || raw.find("../") != std::string_view::npos ||
      raw.find("/..") != std::string_view::npos) {
    return fail(KeyProblem::escapes_proc, "the key contains a '..' component");
  }
  std::size_t first = raw.find_first_of("./");
  std::string path = (first != std::string_view::npos && raw[first] == '.') ? swap_separators(raw)
                                                                            : std::string(raw);
  // Split into components and inspect each.
  std::vector<std::string_view> parts;
  std::string_view rest = path;
  while (true) {
    std::size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  NormalizedKey k;
  for (std::string_view part : parts) {
    if (part == "..") return fail(KeyProblem::escapes_proc, "the key contains a '..' component");
    if (part == ".") return fail(KeyProblem::escapes_proc, "the key contains a '.' component");
    if (part.empty()) return fail(KeyProblem::invalid, "the key has an empty component");
    for (char c : part) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f)
        return fail(KeyProblem::invalid, "the key contains a control character");
      if (c == ' ' || c == '\t') return fail(KeyProblem::invalid, "the key contains whitespace");
      if (c == '=') return fail(KeyProblem::invalid, "the key contains '='");
      if (c == '*' || c == '?' || c == '[') k.glob = true;
    }
  }
  k.path = std::move(path);
  k.key = path_to_key(k.path);
  return k;
}

std::string path_to_key(std::string_view path) { return swap_separators(path); }

}  // namespace tcptune
