#include "core/catalog.hpp"

namespace tcptune {

std::string_view to_string(KeyType t) {
  switch (t) {
    case KeyType::int_:
      return "int";
    case KeyType::uint_:
      return "uint";
    case KeyType::ulong_:
      return "ulong";
    case KeyType::enum_:
      return "enum";
    case KeyType::bitmask:
      return "bitmask";
    case KeyType::vector:
      return "vector";
    case KeyType::string:
      return "string";
    case KeyType::port_list:
      return "port_list";
  }
  return "int";
}

std::optional<std::string> KeyInfo::default_for(const std::optional<KernelVersion>& k) const {
  if (k) {
    for (const auto& change : default_history) {
      if (*k < change.before) return change.value;
    }
  }
  return default_value;
}

bool KeyInfo::exists_on(const KernelVersion& k) const {
  if (!vendor.empty()) return false;
  if (added && k < *added) return false;
  if (removed && !(k < *removed)) return false;
  return true;
}

void Catalog::add(KeyInfo info) {
  std::string path = info.path;
  m_keys.insert_or_assign(std::move(path), std::move(info));
}

const KeyInfo* Catalog::find(const std::string& path) const {
  auto it = m_keys.find(path);
  return it == m_keys.end() ? nullptr : &it->second;
}

std::vector<std::string> Catalog::names() const {
  std::vector<std::string> out;
  out.reserve(m_keys.size());
  for (const auto& [path, info] : m_keys) out.push_back(info.name);
  return out;
}

void CheckCatalog::add(CheckInfo info) {
  std::string code = info.code;
  m_checks.insert_or_assign(std::move(code), std::move(info));
}

const CheckInfo* CheckCatalog::find(const std::string& code) const {
  auto it = m_checks.find(code);
  return it == m_checks.end() ? nullptr : &it->second;
}

}  // namespace tcptune
