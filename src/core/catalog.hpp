#pragma once
/// The key catalog (rules/keys.toml) and the check catalog (rules/lint.toml): the knowledge
/// tcptune ships. Loaded by src/config; queried everywhere else.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.hpp"
#include "core/kernel_version.hpp"
#include "core/name_index.hpp"

namespace tcptune {

/// `other`: a handler tcptune does not model (generated catalog only); values are not checked.
enum class KeyType { int_, uint_, ulong_, enum_, bitmask, vector, string, port_list, other };

std::string_view to_string(KeyType t);

/// How a key behaves in a network namespace other than the initial one.
enum class NetnsScope {
  per_namespace,  ///< "yes": each namespace has its own value
  host_wide,      ///< "no": one value for the host, the same in every namespace
  read_only,      ///< "readonly": visible in a child namespace, but not writable there
  not_net,        ///< "n/a": not a net.* key
};

/// The catalog's word for a scope: "yes", "no", "readonly", "n/a".
std::string_view to_string(NetnsScope s);
/// The scope a catalog word names; nullopt for any other text.
std::optional<NetnsScope> parse_netns_scope(std::string_view text);

struct DefaultChange {
  KernelVersion before;  ///< on kernels older than this ...
  std::string value;     ///< ... the default was this

  bool operator==(const DefaultChange&) const = default;
};

/// What the catalog says about a key on one kernel version (offline answers).
enum class Presence {
  exists,   ///< the key exists on that version
  removed,  ///< removed (or moved away) in `version`, which is at or before the asked one
  added,    ///< added in `version` (or later than `version` when `after`), after the asked one
  unknown,  ///< the catalog cannot tell for that version
};

struct PresenceAnswer {
  Presence state = Presence::exists;
  std::optional<KernelVersion> version;
  bool after = false;  ///< added: only known to be after `version` and by `seen_in`
  std::optional<KernelVersion> seen_in;  ///< the first version the key was seen in
};

/// What the kernel itself checks when the key is written (the handler's integer kind, the
/// number of fields it parses, the range it refuses with EINVAL): the boot model's input. Unlike
/// KeyInfo::min/max (the documented or meaningful range of a curated entry), this is only what
/// a write really meets.
struct KernelLimits {
  KeyType kind = KeyType::other;    ///< int_, uint_, ulong_, string, port_list or other (unknown)
  int count = 1;                    ///< integers parsed from a write (more are ignored)
  std::optional<std::int64_t> min;  ///< EINVAL below (nullopt: the kind's own limit)
  std::optional<std::int64_t> max;  ///< EINVAL above

  bool operator==(const KernelLimits&) const = default;
};

struct KeyInfo {
  std::string name;  ///< dotted; a pattern has <...> segments (net.ipv4.conf.<if>.rp_filter)
  std::string path;  ///< relative /proc/sys path (with <...> segments for a pattern)
  KeyType type = KeyType::int_;
  KeyType element = KeyType::int_;  ///< the integer kind of each field of a generated vector
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
  std::optional<NetnsScope> netns;  ///< nullopt: the catalog does not say
  std::optional<KernelVersion> netns_since;
  std::string netns_init;
  std::string unit;
  std::string summary;
  std::string explain;
  std::vector<std::string> references;
  std::string source;  ///< "file:line" of the entry, for messages
  std::string moved;   ///< where a removed key went (curated), e.g. "debugfs (sched/latency_ns)"
  /// Generated catalog: the kernel versions the key was seen in (ascending); empty for a key
  /// only the curated catalog knows.
  std::vector<KernelVersion> seen;
  bool generated = false;       ///< no curated entry: only the generated catalog describes it
  bool pattern = false;         ///< path has a <...> segment
  bool read_only = false;       ///< mode 0444 (generated)
  bool partial_vector = false;  ///< a generated vector: fewer fields than `count` are accepted
  KernelLimits kernel;          ///< what a write meets (generated handler data, curated ranges)

  /// The default on a given kernel (the current default when the kernel is unknown);
  /// nullopt when computed at boot.
  [[nodiscard]] std::optional<std::string> default_for(const std::optional<KernelVersion>& k) const;
  /// Whether the key exists in mainline kernel k according to added/removed (true if unknown).
  [[nodiscard]] bool exists_on(const KernelVersion& k) const;

  bool operator==(const KeyInfo&) const = default;
};

/// A well-known service port (rules/services.toml).
struct Service {
  int port = 0;
  std::string name;  ///< "MySQL"
  std::string kind;  ///< database | cache | queue | fastcgi | web | other
  std::string fix;   ///< the fix for short connections to it (from its kind)

  bool operator==(const Service&) const = default;
};
/// The kernel document that describes keys under `path` ("Documentation/networking/
/// ip-sysctl.rst"), or "" when there is none to point at.
std::string_view kernel_doc_for(std::string_view path);

/// Where the entries of a catalog come from when they are read on demand (the knowledge
/// snapshot: cli/knowledge_snapshot.cpp). Entries are numbered in path order, exact keys and
/// patterns apart (`pattern`).
/// Catalog entries by /proc/sys path; transparent, so that a view of a path finds its entry
/// without a copy of it.
using KeyMap = std::map<std::string, KeyInfo, std::less<>>;

class CatalogSource {
 public:
  CatalogSource() = default;
  CatalogSource(const CatalogSource&) = delete;
  CatalogSource& operator=(const CatalogSource&) = delete;
  virtual ~CatalogSource() = default;
  [[nodiscard]] virtual std::size_t size(bool pattern) const = 0;
  [[nodiscard]] virtual std::string_view path(bool pattern, std::size_t i) const = 0;
  /// Whether entry i is generated only (no curated entry), without reading it.
  [[nodiscard]] virtual bool generated(bool pattern, std::size_t i) const = 0;
  [[nodiscard]] virtual KeyInfo load(bool pattern, std::size_t i) const = 0;
  /// Entry i without the fields only people read (Catalog::facts_of); by default the whole.
  [[nodiscard]] virtual KeyInfo load_facts(bool pattern, std::size_t i) const {
    return load(pattern, i);
  }
};

/// Pattern-aware lookup and the offline version answers. Generated entries (rules/
/// kernel_keys.tsv) are added first, curated ones (rules/keys.toml) over them: a curated entry
/// replaces the generated one but keeps its `seen` versions and read-only flag.

class Catalog {
 public:
  void add(KeyInfo info);
  /// Entries read from `source` when first asked for (find), all at once when a caller needs
  /// them all (all, patterns, names, suggest, add). Single-threaded: a lookup may insert.
  void set_source(std::shared_ptr<const CatalogSource> source) { m_source = std::move(source); }
  /// Services in file order (the most commonly hit first).
  void add_service(Service s) { m_services.push_back(std::move(s)); }
  [[nodiscard]] const std::vector<Service>& services() const { return m_services; }
  /// The fix for a kind of service ("other" for ports the table does not know).
  void add_kind_fix(std::string kind, std::string fix) { m_kind_fix[kind] = std::move(fix); }
  [[nodiscard]] const std::map<std::string, std::string>& kind_fixes() const { return m_kind_fix; }
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
  /// By relative /proc/sys path: an exact key first, else a pattern (net/ipv4/conf/eth0/x
  /// finds net/ipv4/conf/<if>/x); nullptr when the catalog has neither.
  [[nodiscard]] const KeyInfo* find(std::string_view path) const;
  /// As find(), for facts about the key (its type, range, defaults, versions, netns scope),
  /// as a copy that the catalog does not keep: an entry the catalog has not read whole comes
  /// without its texts (default_note, summary, explain, references, source and moved are
  /// empty). A caller that asks for a few facts of many keys keeps only those (HostFacts), which
  /// spares a check about 1 KiB of heap per key.
  [[nodiscard]] std::optional<KeyInfo> facts_of(std::string_view path) const;
  /// Exact keys only (no patterns), curated and generated.
  [[nodiscard]] const KeyMap& all() const {
    load_all();
    return m_keys;
  }
  [[nodiscard]] const KeyMap& patterns() const {
    load_all();
    return m_patterns;
  }
  /// The paths of the exact keys with a curated entry, in path order (without reading the
  /// generated ones).
  [[nodiscard]] std::vector<std::string> curated_paths() const;
  [[nodiscard]] std::vector<std::string> names() const;

  /// Versions whose whole kernel source was scanned: a key absent from such a version did not
  /// exist there. (Live walks see only what that kernel's configuration built.)
  void add_source_version(KernelVersion v) { m_source_versions.push_back(v); }
  [[nodiscard]] const std::vector<KernelVersion>& source_versions() const {
    return m_source_versions;
  }

  /// What the catalog says about `info` on kernel `k`: curated added/removed first, then the
  /// versions the key was seen in and the fully scanned source versions.
  [[nodiscard]] PresenceAnswer presence(const KeyInfo& info, const KernelVersion& k) const;

  /// The closest key to a dotted `key` that the catalog does not have, or "". Candidates are
  /// bounded: the leaves of the pattern family the key falls in (the user's interface name
  /// kept), else the keys with the same first component and a length within the allowed
  /// distance. No copies of the catalog and no allocation per candidate.
  [[nodiscard]] std::string suggest(std::string_view key) const;

  /// The same keys, services, fixes, pattern families and source versions (the suggestion
  /// index, built on demand, is not compared).
  bool operator==(const Catalog& other) const;

 private:
  friend struct CatalogSnapshot;  // cli/knowledge_snapshot.cpp: writes and restores every member
  std::vector<Service> m_services;
  std::map<std::string, std::string> m_kind_fix;
  struct Family {
    std::vector<std::string> dir;     // segments, "<...>" matches any one
    std::vector<std::string> leaves;  // names below the pattern directory
    bool operator==(const Family&) const = default;
  };
  void index_pattern(const std::string& path);
  [[nodiscard]] const Family* family_of(std::string_view path, std::size_t& dir_len) const;
  void build_index() const;

  /// The source's entry number of `path`; nullopt when there is no source or no such entry.
  [[nodiscard]] std::optional<std::size_t> source_index(bool pattern, std::string_view path) const;
  /// The pattern entry's path for `path` (net/ipv4/conf/<if>/x for net/ipv4/conf/eth0/x).
  [[nodiscard]] std::optional<std::string> pattern_key(std::string_view path) const;
  /// Every entry of the source into the maps, and the source dropped.
  void load_all() const;

  // Filled by add, or on demand from m_source (hence mutable: a const lookup may read an entry).
  mutable KeyMap m_keys;      // by path, exact
  mutable KeyMap m_patterns;  // by path with <...> segments
  mutable std::shared_ptr<const CatalogSource> m_source;
  std::vector<Family> m_families;
  std::vector<KernelVersion> m_source_versions;
  // The exact keys' dotted names for the flat "did you mean" pass, built on the first suggest().
  mutable NameIndex m_index;
  mutable bool m_indexed = false;
};

struct CheckInfo {
  std::string code;
  std::string name;
  Severity severity = Severity::warning;
  std::string title;
  std::string explain;
  std::string hint;
  std::vector<std::string> references;

  bool operator==(const CheckInfo&) const = default;
};

/// Where a CheckCatalog's entries come from when they are read on demand (the knowledge
/// snapshot), numbered in code order.
class CheckSource {
 public:
  CheckSource() = default;
  CheckSource(const CheckSource&) = delete;
  CheckSource& operator=(const CheckSource&) = delete;
  virtual ~CheckSource() = default;
  [[nodiscard]] virtual std::size_t size() const = 0;
  [[nodiscard]] virtual std::string_view code(std::size_t i) const = 0;
  [[nodiscard]] virtual CheckInfo load(std::size_t i) const = 0;
};

class CheckCatalog {
 public:
  void add(CheckInfo info);
  /// Entries read from `source` when find() first asks for one, all at once for all() or add().
  /// Single-threaded: a lookup may insert.
  void set_source(std::shared_ptr<const CheckSource> source) { m_source = std::move(source); }
  [[nodiscard]] const CheckInfo* find(const std::string& code) const;
  [[nodiscard]] const std::map<std::string, CheckInfo>& all() const;

 private:
  void load_all() const;
  mutable std::map<std::string, CheckInfo> m_checks;
  mutable std::shared_ptr<const CheckSource> m_source;
};

}  // namespace tcptune
