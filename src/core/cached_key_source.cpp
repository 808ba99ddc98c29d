#include "core/cached_key_source.hpp"

#include <algorithm>

#include "core/text_util.hpp"

namespace tcptune {

KeyRead CachedKeySource::read(std::string_view path) const {
  auto it = m_reads.find(path);
  if (it == m_reads.end()) it = m_reads.emplace(std::string(path), m_inner.read(path)).first;
  return it->second;
}

bool CachedKeySource::exists(std::string_view path) const {
  auto it = m_exists.find(path);
  if (it == m_exists.end()) {
    // Only plain names: empty, "." and ".." components are the wrapped source's to resolve.
    bool plain = true;
    for (std::string_view c : split(path, '/'))
      plain = plain && !c.empty() && c != "." && c != "..";
    const bool answer = !(plain && surely_absent(path)) && m_inner.exists(path);
    it = m_exists.emplace(std::string(path), answer).first;
  }
  return it->second;
}

bool CachedKeySource::surely_absent(std::string_view path) const {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view dir = path.substr(0, slash);
  const std::vector<std::string>& names = listing(dir);
  // An empty listing says nothing: a directory that is missing, or that cannot be read.
  if (names.empty()) return surely_absent(dir);
  return !std::binary_search(names.begin(), names.end(), path.substr(slash + 1));
}

const std::vector<std::string>& CachedKeySource::listing(std::string_view dir) const {
  auto it = m_lists.find(dir);
  if (it == m_lists.end()) {
    std::vector<std::string> names = m_inner.list(dir);
    std::sort(names.begin(), names.end());
    it = m_lists.emplace(std::string(dir), std::move(names)).first;
  }
  return it->second;
}

std::vector<std::string> CachedKeySource::list(std::string_view dir) const { return listing(dir); }

std::vector<std::string> CachedKeySource::glob(std::string_view pattern, std::size_t limit) const {
  auto it = m_globs.find(pattern);
  if (it == m_globs.end() || it->second.limit != limit) {
    GlobAnswer a{limit, m_inner.glob(pattern, limit)};
    if (it == m_globs.end()) {
      it = m_globs.emplace(std::string(pattern), std::move(a)).first;
    } else {
      it->second = std::move(a);
    }
  }
  return it->second.paths;
}

bool CachedKeySource::writable(const std::string& path) const {
  if (!m_writable) return true;
  auto it = m_writable_of.find(path);
  if (it == m_writable_of.end()) it = m_writable_of.emplace(path, m_writable(path)).first;
  return it->second;
}

}  // namespace tcptune
