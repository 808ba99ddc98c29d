#include "core/catalog.hpp"

#include <algorithm>
#include <limits>

#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"

namespace tcptune {

std::string_view to_string(NetnsScope s) {
  switch (s) {
    case NetnsScope::per_namespace:
      return "yes";
    case NetnsScope::host_wide:
      return "no";
    case NetnsScope::read_only:
      return "readonly";
    case NetnsScope::not_net:
      return "n/a";
  }
  return "";
}

std::optional<NetnsScope> parse_netns_scope(std::string_view text) {
  for (NetnsScope s : {NetnsScope::per_namespace, NetnsScope::host_wide, NetnsScope::read_only,
                       NetnsScope::not_net}) {
    if (text == to_string(s)) return s;
  }
  return std::nullopt;
}

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
    case KeyType::other:
      return "other";
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

namespace {

bool is_placeholder(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '<' && seg.back() == '>';
}

KernelVersion minor_of(const KernelVersion& v) { return KernelVersion{v.major, v.minor, 0}; }

}  // namespace

std::string_view kernel_doc_for(std::string_view path) {
  struct Doc {
    std::string_view prefix;
    std::string_view doc;
  };
  static constexpr Doc docs[] = {
      {"net/ipv4/", "Documentation/networking/ip-sysctl.rst"},
      {"net/ipv6/", "Documentation/networking/ip-sysctl.rst"},
      {"net/netfilter/", "Documentation/networking/nf_conntrack-sysctl.rst"},
      {"net/mptcp/", "Documentation/networking/mptcp-sysctl.rst"},
      {"net/mpls/", "Documentation/networking/mpls-sysctl.rst"},
      {"net/", "Documentation/admin-guide/sysctl/net.rst"},
      {"kernel/", "Documentation/admin-guide/sysctl/kernel.rst"},
      {"vm/", "Documentation/admin-guide/sysctl/vm.rst"},
      {"fs/", "Documentation/admin-guide/sysctl/fs.rst"},
      {"user/", "Documentation/admin-guide/sysctl/user.rst"},
      {"abi/", "Documentation/admin-guide/sysctl/abi.rst"},
  };
  for (const Doc& d : docs) {
    if (path.substr(0, d.prefix.size()) == d.prefix) return d.doc;
  }
  return "";
}

void Catalog::load_all() const {
  if (!m_source) return;
  // The source is dropped only once every entry is in: an entry that fails to load (a damaged
  // snapshot throws) leaves the catalog as it was, and the next lookup meets the same error.
  const CatalogSource& src = *m_source;
  for (bool pattern : {false, true}) {
    KeyMap& into = pattern ? m_patterns : m_keys;
    for (std::size_t i = 0; i < src.size(pattern); ++i) {
      std::string path(src.path(pattern, i));
      if (into.count(path) == 0) into.emplace(std::move(path), src.load(pattern, i));
    }
  }
  m_source.reset();
}

std::vector<std::string> Catalog::curated_paths() const {
  std::vector<std::string> out;
  if (m_source) {
    // Everything is in the source (set_source is for a catalog read from a snapshot alone).
    for (std::size_t i = 0; i < m_source->size(false); ++i) {
      if (!m_source->generated(false, i)) out.emplace_back(m_source->path(false, i));
    }
    return out;
  }
  for (const auto& [path, info] : m_keys) {
    if (!info.generated) out.push_back(path);
  }
  return out;
}

void Catalog::add(KeyInfo info) {
  load_all();
  KeyMap& into = info.pattern ? m_patterns : m_keys;
  m_indexed = false;
  // The generated file is sorted by path: appending at the end is the common case.
  if (into.empty() || into.rbegin()->first < info.path) {
    if (info.pattern) index_pattern(info.path);
    std::string path = info.path;
    into.emplace_hint(into.end(), std::move(path), std::move(info));
    return;
  }
  auto hint = into.lower_bound(info.path);
  if (hint != into.end() && hint->first == info.path) {
    if (hint->second.generated && !info.generated) {
      // Curated over generated: the curated text wins, the observations stay.
      if (info.seen.empty()) info.seen = std::move(hint->second.seen);
      info.read_only = info.read_only || hint->second.read_only;
      // The handler data comes from the kernel source; a curated enforced range was verified on
      // a live kernel. Both hold: the kernel refuses what either refuses.
      KernelLimits gen = hint->second.kernel;
      if (gen.kind != KeyType::other) {
        if (info.kernel.min && gen.min)
          gen.min = std::max(*gen.min, *info.kernel.min);
        else if (info.kernel.min)
          gen.min = info.kernel.min;
        if (info.kernel.max && gen.max)
          gen.max = std::min(*gen.max, *info.kernel.max);
        else if (info.kernel.max)
          gen.max = info.kernel.max;
        info.kernel = gen;
      }
    }
    hint->second = std::move(info);
    return;
  }
  if (info.pattern) index_pattern(info.path);
  std::string path = info.path;
  into.emplace_hint(hint, std::move(path), std::move(info));
}

bool Catalog::operator==(const Catalog& other) const {
  load_all();
  other.load_all();
  return m_services == other.m_services && m_kind_fix == other.m_kind_fix &&
         m_keys == other.m_keys && m_patterns == other.m_patterns &&
         m_families == other.m_families && m_source_versions == other.m_source_versions;
}

void Catalog::index_pattern(const std::string& path) {
  std::vector<std::string_view> parts = split(path, '/');
  std::size_t last = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (is_placeholder(parts[i])) last = i;
  }
  std::vector<std::string> dir(parts.begin(),
                               parts.begin() + static_cast<std::ptrdiff_t>(last + 1));
  std::string leaf;
  for (std::size_t i = last + 1; i < parts.size(); ++i) {
    if (!leaf.empty()) leaf += '/';
    leaf += parts[i];
  }
  auto fam = std::find_if(m_families.begin(), m_families.end(),
                          [&](const Family& f) { return f.dir == dir; });
  if (fam == m_families.end()) {
    m_families.push_back(Family{std::move(dir), {}});
    fam = std::prev(m_families.end());
  }
  fam->leaves.push_back(std::move(leaf));
}

const Catalog::Family* Catalog::family_of(std::string_view path, std::size_t& dir_len) const {
  for (const Family& f : m_families) {
    std::size_t pos = 0;
    bool ok = true;
    for (const std::string& seg : f.dir) {
      std::size_t slash = path.find('/', pos);
      if (slash == std::string_view::npos) {
        ok = false;
        break;
      }
      std::string_view got = path.substr(pos, slash - pos);
      if (got.empty() || (!is_placeholder(seg) && got != seg)) {
        ok = false;
        break;
      }
      pos = slash + 1;
    }
    if (ok && pos < path.size()) {
      dir_len = pos;
      return &f;
    }
  }
  return nullptr;
}

std::optional<std::size_t> Catalog::source_index(bool pattern, std::string_view path) const {
  if (!m_source) return std::nullopt;
  const CatalogSource& src = *m_source;
  std::size_t lo = 0;
  std::size_t hi = src.size(pattern);
  while (lo < hi) {
    std::size_t mid = lo + (hi - lo) / 2;
    if (src.path(pattern, mid) < path) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == src.size(pattern) || src.path(pattern, lo) != path) return std::nullopt;
  return lo;
}

std::optional<std::string> Catalog::pattern_key(std::string_view path) const {
  if (m_families.empty()) return std::nullopt;
  std::size_t dir_len = 0;
  const Family* f = family_of(path, dir_len);
  if (f == nullptr) return std::nullopt;
  std::string key;
  for (const std::string& seg : f->dir) {
    key += seg;
    key += '/';
  }
  key.append(path.substr(dir_len));
  return key;
}

const KeyInfo* Catalog::find(std::string_view path) const {
  auto loaded_at = [&](bool pattern, std::string_view p) -> const KeyInfo* {
    KeyMap& into = pattern ? m_patterns : m_keys;
    if (auto it = into.find(p); it != into.end()) return &it->second;
    std::optional<std::size_t> i = source_index(pattern, p);
    if (!i) return nullptr;
    return &into.emplace(std::string(p), m_source->load(pattern, *i)).first->second;
  };
  if (const KeyInfo* exact = loaded_at(false, path)) return exact;
  std::optional<std::string> key = pattern_key(path);
  return key ? loaded_at(true, *key) : nullptr;
}

std::optional<KeyInfo> Catalog::facts_of(std::string_view path) const {
  auto read = [&](bool pattern, std::string_view p) -> std::optional<KeyInfo> {
    const KeyMap& whole = pattern ? m_patterns : m_keys;
    if (auto it = whole.find(p); it != whole.end()) return it->second;
    std::optional<std::size_t> i = source_index(pattern, p);
    if (!i) return std::nullopt;
    return m_source->load_facts(pattern, *i);
  };
  if (std::optional<KeyInfo> exact = read(false, path)) return exact;
  std::optional<std::string> key = pattern_key(path);
  return key ? read(true, *key) : std::nullopt;
}

std::vector<std::string> Catalog::names() const {
  load_all();
  std::vector<std::string> out;
  out.reserve(m_keys.size());
  for (const auto& [path, info] : m_keys) out.push_back(info.name);
  return out;
}

PresenceAnswer Catalog::presence(const KeyInfo& info, const KernelVersion& k) const {
  PresenceAnswer a;
  if (!info.seen.empty()) a.seen_in = info.seen.front();
  if (info.removed && !(k < *info.removed)) {
    a.state = Presence::removed;
    a.version = info.removed;
    return a;
  }
  if (info.added && k < *info.added) {
    a.state = Presence::added;
    a.version = info.added;
    return a;
  }
  // A curated entry is authoritative: without `added` the key is old enough.
  if (!info.generated || info.seen.empty()) return a;
  KernelVersion kk = minor_of(k);
  KernelVersion first = info.seen.front();
  if (!(kk < first)) return a;
  // Before the first sighting: absent if a fully scanned version at or after k lacks it.
  std::optional<KernelVersion> scanned;
  for (const KernelVersion& v : m_source_versions) {
    if (!(v < kk) && v < first && (!scanned || *scanned < v)) scanned = v;
  }
  if (scanned) {
    a.state = Presence::added;
    a.version = scanned;
    a.after = true;
  } else {
    a.state = Presence::unknown;
  }
  return a;
}

void Catalog::build_index() const {
  load_all();
  std::vector<std::string> names;
  names.reserve(m_keys.size());
  for (const auto& [path, info] : m_keys) names.push_back(info.name);
  m_index = NameIndex(std::move(names));
  m_indexed = true;
}

std::string Catalog::suggest(std::string_view key) const {
  std::size_t allowed = suggestion_distance(key.size());
  std::size_t best = std::numeric_limits<std::size_t>::max();
  std::string_view best_word;
  // A key inside a pattern family (net.ipv6.conf.eth0.accept_redirect): compare the leaf with
  // the family's leaves and keep the user's interface name.
  std::string path = normalize_key(key).path;
  std::size_t dir_len = 0;
  if (const Family* f = family_of(path, dir_len)) {
    std::string leaf = path.substr(dir_len);
    std::size_t leaf_allowed = suggestion_distance(leaf.size());
    for (const std::string& c : f->leaves) {
      std::size_t lc = c.size();
      std::size_t lw = leaf.size();
      if ((lc > lw ? lc - lw : lw - lc) > leaf_allowed || c == leaf) continue;
      std::size_t d = edit_distance_within(leaf, c, leaf_allowed);
      if (d <= leaf_allowed && d < best) {
        best = d;
        best_word = c;
      }
    }
    if (!best_word.empty()) return path_to_key(path.substr(0, dir_len) + std::string(best_word));
  }
  // Another family's pattern with the user's names in its placeholders (ipv4 for ipv6,
  // "conff" for "conf"): whole paths compared, one reused buffer.
  {
    // split(path, '/') into a reused vector: no allocation per call.
    thread_local std::vector<std::string_view> parts;
    parts.clear();
    for (std::string_view rest = path;;) {
      std::size_t slash = rest.find('/');
      parts.push_back(rest.substr(0, slash));
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
    std::size_t path_allowed = suggestion_distance(path.size());
    thread_local std::string cand;
    std::string best_path;
    std::size_t best_d = std::numeric_limits<std::size_t>::max();
    for (const Family& f : m_families) {
      if (f.dir.size() >= parts.size()) continue;
      std::size_t prefix_len = 0;
      for (std::size_t i = 0; i < f.dir.size(); ++i) {
        prefix_len += (is_placeholder(f.dir[i]) ? parts[i].size() : f.dir[i].size()) + 1;
      }
      std::size_t rest_len =
          path.size() - (static_cast<std::size_t>(parts[f.dir.size()].data() - path.data()));
      for (const std::string& leaf : f.leaves) {
        std::size_t len = prefix_len + leaf.size();
        if ((len > path.size() ? len - path.size() : path.size() - len) > path_allowed) continue;
        if (leaf.size() + path_allowed < rest_len) continue;
        cand.clear();
        for (std::size_t i = 0; i < f.dir.size(); ++i) {
          cand += is_placeholder(f.dir[i]) ? parts[i] : std::string_view(f.dir[i]);
          cand += '/';
        }
        cand += leaf;
        if (cand == path) continue;
        std::size_t d = edit_distance_within(path, cand, std::min(path_allowed, best_d));
        if (d <= path_allowed && d < best_d) {
          best_d = d;
          best_path = cand;
        }
      }
    }
    if (!best_path.empty()) return path_to_key(best_path);
  }
  if (!m_indexed) build_index();
  return std::string(m_index.closest(key, allowed));
}

void CheckCatalog::add(CheckInfo info) {
  load_all();
  std::string code = info.code;
  m_checks.insert_or_assign(std::move(code), std::move(info));
}

const CheckInfo* CheckCatalog::find(const std::string& code) const {
  auto it = m_checks.find(code);
  if (it != m_checks.end()) return &it->second;
  if (!m_source) return nullptr;
  const CheckSource& src = *m_source;
  std::size_t lo = 0;
  std::size_t hi = src.size();
  while (lo < hi) {
    std::size_t mid = lo + (hi - lo) / 2;
    if (src.code(mid) < code) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == src.size() || src.code(lo) != code) return nullptr;
  return &m_checks.emplace(code, src.load(lo)).first->second;
}

const std::map<std::string, CheckInfo>& CheckCatalog::all() const {
  load_all();
  return m_checks;
}

void CheckCatalog::load_all() const {
  if (!m_source) return;
  // As Catalog::load_all: the source is dropped only once every entry is in.
  const CheckSource& src = *m_source;
  for (std::size_t i = 0; i < src.size(); ++i) {
    std::string code(src.code(i));
    if (m_checks.count(code) == 0) m_checks.emplace(std::move(code), src.load(i));
  }
  m_source.reset();
}

}  // namespace tcptune
