#pragma once
/// The key catalog (rules/keys.toml) and the check catalog (rules/lint.toml): the knowledge
/// tcptune ships. Loaded by src/config; queried everywhere else.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/finding.hpp"
#include "core/kernel_version.hpp"

namespace tcptune {

enum class KeyType { int_, uint_, ulong_, enum_, bitmask, vector, string, port_list };

std::string_view to_string(KeyType t);

struct DefaultChange {
  KernelVersion before;  ///< on kernels older than this ...
  std::string value;     ///< ... the default was this
};

struct KeyInfo {
  std::string name;  ///< dotted
  std::string path;  ///< relative /proc/sys path
  KeyType type = KeyType::int_;
  std::optional<std::int64_t> min;
  std::optional<std::int64_t> max;
  std::vector<std::int64_t> values;  ///< enum
  std::optional<std::int64_t> mask;  ///< bitmask
  int count = 1;                     ///< vector
  bool enforced = false;
  std::optional<std::string> default_value;
  std::string default_note;
  std::vector<DefaultChange> default_history;
  std::optional<KernelVersion> added;
  std::optional<KernelVersion> removed;
  std::string vendor;
  std::string netns;  ///< "yes" | "no" | "readonly" | "n/a"
  std::optional<KernelVersion> netns_since;
  std::string netns_init;
  std::string unit;
  std::string summary;
  std::string explain;
  std::vector<std::string> references;
  std::string source;  ///< "file:line" of the entry, for messages

  /// The default on a given kernel (the current default when the kernel is unknown);
  /// nullopt when computed at boot.
  [[nodiscard]] std::optional<std::string> default_for(const std::optional<KernelVersion>& k) const;
  /// Whether the key exists in mainline kernel k according to added/removed (true if unknown).
  [[nodiscard]] bool exists_on(const KernelVersion& k) const;
};

/// A well-known service port (rules/services.toml).
struct Service {
  int port = 0;
  std::string name;  ///< "MySQL"
  std::string kind;  ///< database | cache | queue | fastcgi | web | other
  std::string fix;   ///< the fix for short connections to it (from its kind)
};

class Catalog {
 public:
  void add(KeyInfo info);
  /// Services in file order (the most commonly hit first).
  void add_service(Service s) { m_services.push_back(std::move(s)); }
  [[nodiscard]] const std::vector<Service>& services() const { return m_services; }
  /// The fix for a kind of service ("other" for ports the table does not know).
  void add_kind_fix(std::string kind, std::string fix) { m_kind_fix[kind] = std::move(fix); }
  [[nodiscard]] std::string kind_fix(const std::string& kind) const {
    auto it = m_kind_fix.find(kind);
    return it == m_kind_fix.end() ? std::string() : it->second;
  }
  /// The service usually on `port`; nullptr when none is known.
  [[nodiscard]] const Service* service(int port) const {
    for (const Service& s : m_services) {
      if (s.port == port) return &s;
    }
    return nullptr;
  }
  /// By relative /proc/sys path; nullptr when unknown.
  [[nodiscard]] const KeyInfo* find(const std::string& path) const;
  [[nodiscard]] const std::map<std::string, KeyInfo>& all() const { return m_keys; }
  [[nodiscard]] std::vector<std::string> names() const;

 private:
  std::map<std::string, KeyInfo> m_keys;  // by path
  std::vector<Service> m_services;
  std::map<std::string, std::string> m_kind_fix;
};

struct CheckInfo {
  std::string code;
  std::string name;
  Severity severity = Severity::warning;
  std::string title;
  std::string explain;
  std::string hint;
  std::vector<std::string> references;
};

class CheckCatalog {
 public:
  void add(CheckInfo info);
  [[nodiscard]] const CheckInfo* find(const std::string& code) const;
  [[nodiscard]] const std::map<std::string, CheckInfo>& all() const { return m_checks; }

 private:
  std::map<std::string, CheckInfo> m_checks;
};

}  // namespace tcptune
