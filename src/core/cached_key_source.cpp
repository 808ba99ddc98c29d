#include "core/cached_key_source.hpp"

namespace tcptune {

KeyRead CachedKeySource::read(std::string_view path) const {
  auto it = m_reads.find(path);
  if (it == m_reads.end()) it = m_reads.emplace(std::string(path), m_inner.read(path)).first;
  return it->second;
}

bool CachedKeySource::exists(std::string_view path) const {
  auto it = m_exists.find(path);
  if (it == m_exists.end()) it = m_exists.emplace(std::string(path), m_inner.exists(path)).first;
  return it->second;
}

std::vector<std::string> CachedKeySource::list(std::string_view dir) const {
  auto it = m_lists.find(dir);
  if (it == m_lists.end()) it = m_lists.emplace(std::string(dir), m_inner.list(dir)).first;
  return it->second;
}

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
