#include "cli/knowledge_snapshot.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/catalog_loader.hpp"
#include "engine/rule_loader.hpp"
#include "sys/root_fs.hpp"
#include "sys/safe_fs.hpp"
#include "sys/self.hpp"

// The snapshot tools/make_snapshot.cpp made for this program (its build links it in); the test
// programs have none, and the weak references are then null.
extern "C" {
extern const char tcptune_knowledge_snapshot[] __attribute__((weak));
extern const std::size_t tcptune_knowledge_snapshot_size __attribute__((weak));
}

namespace tcptune {

// ---- reading and parsing the data files --------------------------------------------------

std::vector<std::string> data_file_names(const std::string& dir, bool rules_and_profiles) {
  std::vector<std::string> names;
  // The generated catalog first, the curated keys.toml merged over it. A data directory
  // without kernel_keys.tsv (a user's own rules/) has the curated keys only.
  if (host_path_exists(dir + "/rules/kernel_keys.tsv")) names.emplace_back("rules/kernel_keys.tsv");
  for (const char* name : {"rules/keys.toml", "rules/lint.toml", "rules/services.toml"})
    names.emplace_back(name);
  if (!rules_and_profiles) return names;
  names.emplace_back("rules/check.toml");
  Result<std::vector<std::string>> shipped = list_conf_files(dir + "/profiles", ".toml");
  if (!shipped.ok()) throw SystemFailure("cannot list " + shipped.error().message());
  for (const std::string& path : shipped.value()) names.push_back(path.substr(dir.size() + 1));
  return names;
}

std::vector<DataFile> read_data_files(const std::string& dir, bool rules_and_profiles) {
  std::vector<DataFile> files;
  for (std::string& name : data_file_names(dir, rules_and_profiles)) {
    Result<std::string> text = read_plain_file(dir + "/" + name);
    if (!text.ok()) {
      if (name.rfind("profiles/", 0) == 0)
        throw SystemFailure("cannot read " + text.error().message());
      throw SystemFailure("cannot read tcptune's data file " + text.error().message() +
                          " (set --data-dir or TCPTUNE_DATA_DIR to the directory holding rules/)");
    }
    files.push_back({std::move(name), std::move(text.value())});
  }
  return files;
}

std::vector<Finding> load_data_files(const std::vector<DataFile>& files, const std::string& dir,
                                     Knowledge& k) {
  std::vector<Finding> errors;
  for (const DataFile& f : files) {
    std::string path = dir + "/" + f.name;
    if (f.name == "rules/kernel_keys.tsv") {
      append(errors, load_generated_catalog(f.text, path, k.keys));
    } else if (f.name == "rules/keys.toml") {
      append(errors, load_key_catalog(f.text, path, k.keys));
    } else if (f.name == "rules/lint.toml") {
      append(errors, load_check_catalog(f.text, path, k.checks));
    } else if (f.name == "rules/services.toml") {
      append(errors, load_services(f.text, path, k.keys));
    } else if (f.name == "rules/check.toml") {
      // The rules and profiles name catalog keys: a catalog with errors stops here.
      if (!errors.empty()) return errors;
      append(errors, load_rules(f.text, path, k.keys, k.rules, k.checks));
    } else {
      append(errors, load_profile(f.text, path, "shipped", k.keys, k.profiles));
    }
  }
  return errors;
}

// ---- the binary form ---------------------------------------------------------------------
//
// "TTKS" and a format number, the data files (name and bytes), then the knowledge: lengths and
// counts as LEB128, integers as 8 little-endian bytes, each struct's fields in declaration
// order. One field list per struct (TCPTUNE_SNAPSHOT_FIELDS below) serves both directions.

namespace {

constexpr std::string_view k_magic = "TTKS";
constexpr std::uint64_t k_format = 4;

class Writer {
 public:
  std::string out;

  void count(std::uint64_t n) {
    do {
      auto byte = static_cast<unsigned char>(n & 0x7f);
      n >>= 7;
      if (n != 0) byte = static_cast<unsigned char>(byte | 0x80);
      out.push_back(static_cast<char>(byte));
    } while (n != 0);
  }
  void fixed(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void bytes(std::string_view s) {
    count(s.size());
    out.append(s);
  }
};

class Reader {
 public:
  Reader(std::string_view in, std::string dir) : m_in(in), m_dir(std::move(dir)) {}

  bool ok = true;
  /// Pass over the fields marked text() without keeping them (Catalog::facts_of).
  bool skip_texts = false;

  std::uint64_t count() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (m_pos >= m_in.size()) return fail();
      auto byte = static_cast<unsigned char>(m_in[m_pos++]);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    return fail();
  }
  std::uint64_t fixed() {
    if (m_in.size() - m_pos < 8) return fail();
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(m_in[m_pos + i])) << (8 * i);
    m_pos += 8;
    return v;
  }
  std::string_view bytes() {
    std::uint64_t n = count();
    if (!ok || n > m_in.size() - m_pos) {
      fail();
      return {};
    }
    std::string_view s = m_in.substr(m_pos, n);
    m_pos += n;
    return s;
  }
  /// `n` bytes as they are (the magic).
  std::string_view bytes_raw(std::size_t n) {
    if (n > m_in.size() - m_pos) {
      fail();
      return {};
    }
    std::string_view s = m_in.substr(m_pos, n);
    m_pos += n;
    return s;
  }
  /// A string of the knowledge: a leading k_snapshot_dir becomes the data directory.
  std::string text() {
    std::string_view s = bytes();
    if (s.substr(0, k_snapshot_dir.size()) == k_snapshot_dir) {
      std::string out = m_dir;
      out.append(s.substr(k_snapshot_dir.size()));
      return out;
    }
    return std::string(s);
  }
  /// A count of elements that each take at least one byte (a damaged count fails here
  /// instead of reserving memory for it).
  std::uint64_t elements() {
    std::uint64_t n = count();
    if (n > m_in.size() - m_pos) return fail();
    return n;
  }
  [[nodiscard]] bool at_end() const { return m_pos == m_in.size(); }
  [[nodiscard]] const std::string& dir() const { return m_dir; }

 private:
  std::uint64_t fail() {
    ok = false;
    m_pos = m_in.size();
    return 0;
  }
  std::string_view m_in;
  std::size_t m_pos = 0;
  std::string m_dir;
};

// io(archive, value): writes `value` (Writer) or reads it into `value` (Reader). Every overload
// is declared here, before the templates that call them (a template finds the overloads
// declared before it; argument-dependent lookup does not look into this unnamed namespace).

void io(Writer& w, const std::string& s);
void io(Reader& r, std::string& s);
void io(Writer& w, const bool& b);
void io(Reader& r, bool& b);
void io(Writer& w, const double& d);
void io(Reader& r, double& d);
void io(Writer& w, const FactValue& v);
void io(Reader& r, FactValue& v);
template <class T>
requires std::is_integral_v<T> || std::is_enum_v<T>
void io(Writer& w, const T& v);
template <class T>
requires std::is_integral_v<T> || std::is_enum_v<T>
void io(Reader& r, T& v);
template <class T>
void io(Writer& w, const std::optional<T>& o);
template <class T>
void io(Reader& r, std::optional<T>& o);
template <class T>
void io(Writer& w, const std::vector<T>& v);
template <class T>
void io(Reader& r, std::vector<T>& v);
template <class A, class B>
void io(Writer& w, const std::pair<A, B>& p);
template <class A, class B>
void io(Reader& r, std::pair<A, B>& p);
/// A field only people read (a summary, an explanation, references): written as the field is,
/// passed over by a Reader with skip_texts, which leaves the field empty.
template <class T>
struct Text {
  T& value;
};
template <class T>
Text<T> text(T& value) {
  return {value};
}
template <class T>
void io(Writer& w, const Text<T>& t);
template <class T>
void io(Reader& r, const Text<T>& t);
// The structs: one field list each (TCPTUNE_SNAPSHOT_FIELDS below), in declaration order. The unit
// test compares a snapshot's knowledge with the parsed files through the structs' operator==.
#define TCPTUNE_SNAPSHOT_STRUCT(T) \
  void io(Writer& w, const T& v);  \
  void io(Reader& r, T& v);
TCPTUNE_SNAPSHOT_STRUCT(KernelVersion)
TCPTUNE_SNAPSHOT_STRUCT(DefaultChange)
TCPTUNE_SNAPSHOT_STRUCT(KernelLimits)
TCPTUNE_SNAPSHOT_STRUCT(KeyInfo)
TCPTUNE_SNAPSHOT_STRUCT(Service)
TCPTUNE_SNAPSHOT_STRUCT(CheckInfo)
TCPTUNE_SNAPSHOT_STRUCT(FactRef)
TCPTUNE_SNAPSHOT_STRUCT(Condition)
TCPTUNE_SNAPSHOT_STRUCT(Rule)
TCPTUNE_SNAPSHOT_STRUCT(KernelConstraint)
TCPTUNE_SNAPSHOT_STRUCT(ProfileSetting)
TCPTUNE_SNAPSHOT_STRUCT(Profile)
#undef TCPTUNE_SNAPSHOT_STRUCT

void io(Writer& w, const std::string& s) { w.bytes(s); }
void io(Reader& r, std::string& s) { s = r.text(); }

void io(Writer& w, const bool& b) { w.count(b ? 1 : 0); }
void io(Reader& r, bool& b) {
  std::uint64_t v = r.count();
  if (v > 1) r.ok = false;
  b = v == 1;
}

void io(Writer& w, const double& d) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  w.fixed(bits);
}
void io(Reader& r, double& d) {
  std::uint64_t bits = r.fixed();
  std::memcpy(&d, &bits, sizeof d);
}

void io(Writer& w, const FactValue& v) {
  w.count(v.index());
  std::visit([&](const auto& x) { io(w, x); }, v);
}
void io(Reader& r, FactValue& v) {
  switch (r.count()) {
    case 0:
      io(r, v.emplace<std::int64_t>());
      break;
    case 1:
      io(r, v.emplace<double>());
      break;
    case 2:
      io(r, v.emplace<std::string>());
      break;
    case 3:
      io(r, v.emplace<KernelVersion>());
      break;
    default:
      r.ok = false;
  }
}

template <class T>
requires std::is_integral_v<T> || std::is_enum_v<T>
void io(Writer& w, const T& v) {
  w.fixed(static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
}
template <class T>
requires std::is_integral_v<T> || std::is_enum_v<T>
void io(Reader& r, T& v) {
  auto raw = static_cast<std::int64_t>(r.fixed());
  if constexpr (std::is_enum_v<T>) {
    v = static_cast<T>(static_cast<std::underlying_type_t<T>>(raw));
  } else {
    v = static_cast<T>(raw);
  }
}

template <class T>
void io(Writer& w, const std::optional<T>& o) {
  w.count(o ? 1 : 0);
  if (o) io(w, *o);
}
template <class T>
void io(Reader& r, std::optional<T>& o) {
  std::uint64_t has = r.count();
  if (has > 1) r.ok = false;
  if (has != 1) {
    o.reset();
    return;
  }
  o.emplace();
  io(r, *o);
}

template <class T>
void io(Writer& w, const std::vector<T>& v) {
  w.count(v.size());
  for (const T& e : v) io(w, e);
}
template <class T>
void io(Reader& r, std::vector<T>& v) {
  std::uint64_t n = r.elements();
  v.clear();
  v.reserve(n);
  for (std::uint64_t i = 0; i < n && r.ok; ++i) io(r, v.emplace_back());
}

void skip_text(Reader& r, const std::string& /*kept empty*/) { (void)r.bytes(); }
void skip_text(Reader& r, const std::vector<std::string>& /*kept empty*/) {
  std::uint64_t n = r.elements();
  for (std::uint64_t i = 0; i < n && r.ok; ++i) (void)r.bytes();
}
template <class T>
void io(Writer& w, const Text<T>& t) {
  io(w, t.value);
}
template <class T>
void io(Reader& r, const Text<T>& t) {
  if (r.skip_texts) {
    skip_text(r, t.value);
  } else {
    io(r, t.value);
  }
}

template <class A, class B>
void io(Writer& w, const std::pair<A, B>& p) {
  io(w, p.first);
  io(w, p.second);
}
template <class A, class B>
void io(Reader& r, std::pair<A, B>& p) {
  io(r, p.first);
  io(r, p.second);
}

template <class A, class... F>
void each(A& a, F&&... f) {
  (io(a, f), ...);
}

// A struct's io: its fields() with the struct as written (Reader) or read (Writer; the
// fields are only read, so the const is dropped for the shared field list alone).
#define TCPTUNE_SNAPSHOT_FIELDS(T, ...)                \
  template <class A, class V>                          \
  void fields_##T(A& a, V& v) {                        \
    each(a, __VA_ARGS__);                              \
  }                                                    \
  void io(Writer& w, const T& v) { fields_##T(w, v); } \
  void io(Reader& r, T& v) { fields_##T(r, v); }

TCPTUNE_SNAPSHOT_FIELDS(KernelVersion, v.major, v.minor, v.patch)
TCPTUNE_SNAPSHOT_FIELDS(DefaultChange, v.before, v.value)
TCPTUNE_SNAPSHOT_FIELDS(KernelLimits, v.kind, v.count, v.min, v.max)
TCPTUNE_SNAPSHOT_FIELDS(KeyInfo, v.name, v.path, v.type, v.element, v.min, v.max, v.values, v.mask,
                        v.count, v.enforced, v.default_value, text(v.default_note),
                        v.default_history, v.added, v.removed, v.vendor, v.netns, v.netns_since,
                        v.netns_init, v.unit, text(v.summary), text(v.explain), text(v.references),
                        text(v.source), text(v.moved), v.seen, v.generated, v.pattern, v.read_only,
                        v.partial_vector, v.kernel)
TCPTUNE_SNAPSHOT_FIELDS(Service, v.port, v.name, v.kind, v.fix)
TCPTUNE_SNAPSHOT_FIELDS(CheckInfo, v.code, v.name, v.severity, v.title, v.explain, v.hint,
                        v.references)
TCPTUNE_SNAPSHOT_FIELDS(FactRef, v.kind, v.path, v.each, v.index, v.text)
TCPTUNE_SNAPSHOT_FIELDS(Condition, v.kind, v.children, v.fact, v.op, v.values, v.other)
TCPTUNE_SNAPSHOT_FIELDS(Rule, v.code, v.name, v.severity, v.message, v.hint, v.key, v.value,
                        v.foreach, v.evidence, v.when, v.source)
TCPTUNE_SNAPSHOT_FIELDS(KernelConstraint, v.op, v.version, v.text)
TCPTUNE_SNAPSHOT_FIELDS(ProfileSetting, v.key, v.path, v.op, v.value, v.kernel, v.rationale,
                        v.reference, v.required, v.profile, v.source)
TCPTUNE_SNAPSHOT_FIELDS(Profile, v.name, v.summary, v.extends, v.origin, v.file, v.line, v.settings)
#undef TCPTUNE_SNAPSHOT_FIELDS

}  // namespace

namespace {

/// Entries kept in the snapshot itself and read where they lie: a fixed-width index (per entry
/// the name's offset and length and the record's offset and length, 4 bytes each, little-endian,
/// the top bit of the name's length a flag) over a block of names, in name order, and a block of
/// records. Opening one reads the index and the names, not the records: on these machines a
/// page of the program read for the first time costs about 2 us, a page of heap about 12 us
/// (bench/check), and a check reads a few of the 1,087 key entries and of the 79 check codes.
class Table {
 public:
  struct Row {
    std::string_view name;
    bool flag = false;
    std::string record;
  };
  static void write(Writer& w, const std::vector<Row>& rows) {
    std::string index;
    std::string names;
    std::string records;
    auto put = [&](std::size_t v, bool flag = false) {
      if (v > 0x7fffffffu) throw std::length_error("knowledge snapshot: a table over 2 GiB");
      if (flag) v |= 0x80000000u;
      for (int i = 0; i < 4; ++i) index.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    };
    for (const Row& row : rows) {
      put(names.size());
      put(row.name.size(), row.flag);
      put(records.size());
      put(row.record.size());
      names.append(row.name);
      records.append(row.record);
    }
    w.bytes(index);
    w.bytes(names);
    w.bytes(records);
  }
  /// Takes the three blocks; false when an entry lies outside them or the names are not in
  /// strictly ascending order (lookups search them in order).
  bool read(Reader& r) {
    m_index = r.bytes();
    m_names = r.bytes();
    m_records = r.bytes();
    if (!r.ok || m_index.size() % k_row != 0) return false;
    std::string_view last;
    for (std::size_t i = 0; i < size(); ++i) {
      std::size_t name_at = u32(i, 0);
      std::size_t name_len = u32(i, 1) & 0x7fffffffu;
      std::size_t record_at = u32(i, 2);
      std::size_t record_len = u32(i, 3);
      if (name_at > m_names.size() || name_len > m_names.size() - name_at ||
          record_at > m_records.size() || record_len > m_records.size() - record_at)
        return false;
      if (i > 0 && !(last < name(i))) return false;
      last = name(i);
    }
    return true;
  }
  [[nodiscard]] std::size_t size() const { return m_index.size() / k_row; }
  [[nodiscard]] std::string_view name(std::size_t i) const {
    return m_names.substr(u32(i, 0), u32(i, 1) & 0x7fffffffu);
  }
  [[nodiscard]] bool flag(std::size_t i) const { return (u32(i, 1) & 0x80000000u) != 0; }
  [[nodiscard]] std::string_view record(std::size_t i) const {
    return m_records.substr(u32(i, 2), u32(i, 3));
  }

 private:
  static constexpr std::size_t k_row = 16;
  [[nodiscard]] std::uint32_t u32(std::size_t row, std::size_t field) const {
    const std::size_t at = row * k_row + field * 4;
    std::uint32_t v = 0;
    for (std::size_t b = 0; b < 4; ++b)
      v |= static_cast<std::uint32_t>(static_cast<unsigned char>(m_index[at + b])) << (8 * b);
    return v;
  }
  std::string_view m_index;
  std::string_view m_names;
  std::string_view m_records;
};

/// The key entries of a snapshot, read when the catalog first asks for one: the entries' paths
/// and records stay in the snapshot (the program's read-only data), so a command pays for the
/// few hundred keys it looks at, not for all of them.
class SnapshotKeys : public CatalogSource {
 public:
  SnapshotKeys(std::shared_ptr<const std::string> owned, std::string dir)
      : m_owned(std::move(owned)), m_dir(std::move(dir)) {}

  Table tables[2];  ///< exact keys, patterns; the flag: generated

  [[nodiscard]] std::size_t size(bool pattern) const override { return tables[pattern].size(); }
  [[nodiscard]] std::string_view path(bool pattern, std::size_t i) const override {
    return tables[pattern].name(i);
  }
  [[nodiscard]] bool generated(bool pattern, std::size_t i) const override {
    return tables[pattern].flag(i);
  }
  [[nodiscard]] KeyInfo load(bool pattern, std::size_t i) const override {
    return read(pattern, i, false);
  }
  [[nodiscard]] KeyInfo load_facts(bool pattern, std::size_t i) const override {
    return read(pattern, i, true);
  }

 private:
  [[nodiscard]] KeyInfo read(bool pattern, std::size_t i, bool skip_texts) const {
    const Table& t = tables[pattern];
    Reader r(t.record(i), m_dir);
    r.skip_texts = skip_texts;
    KeyInfo info;
    io(r, info);
    if (!r.ok || !r.at_end() || info.path != t.name(i)) {
      throw SystemFailure("the built-in knowledge snapshot is damaged at the entry of " +
                          std::string(t.name(i)) + " (set --data-dir to parse the data files)");
    }
    return info;
  }

  std::shared_ptr<const std::string> m_owned;  ///< the snapshot when it is not the program's own
  std::string m_dir;
};

}  // namespace

namespace {

/// The check codes of a snapshot, each read when CheckCatalog::find first asks for it (a check
/// looks up a few of the 79).
class SnapshotChecks : public CheckSource {
 public:
  SnapshotChecks(std::shared_ptr<const std::string> owned, std::string dir)
      : m_owned(std::move(owned)), m_dir(std::move(dir)) {}

  Table table;

  [[nodiscard]] std::size_t size() const override { return table.size(); }
  [[nodiscard]] std::string_view code(std::size_t i) const override { return table.name(i); }
  [[nodiscard]] CheckInfo load(std::size_t i) const override {
    Reader r(table.record(i), m_dir);
    CheckInfo info;
    io(r, info);
    if (!r.ok || !r.at_end() || info.code != table.name(i)) {
      throw SystemFailure("the built-in knowledge snapshot is damaged at the check " +
                          std::string(table.name(i)) + " (set --data-dir to parse the data files)");
    }
    return info;
  }

 private:
  std::shared_ptr<const std::string> m_owned;  ///< the snapshot when it is not the program's own
  std::string m_dir;
};

void write_checks(Writer& w, const CheckCatalog& checks) {
  std::vector<Table::Row> rows;
  for (const auto& [code, info] : checks.all()) {
    Writer record;
    io(record, info);
    rows.push_back({code, false, std::move(record.out)});
  }
  Table::write(w, rows);
}

void read_checks(Reader& r, CheckCatalog& checks, std::shared_ptr<const std::string> owned) {
  auto source = std::make_shared<SnapshotChecks>(std::move(owned), r.dir());
  if (!source->table.read(r)) r.ok = false;
  checks.set_source(std::move(source));
}

}  // namespace

/// Catalog's private members (the pattern families in the order the files made them). The key
/// entries: path, whether generated, the KeyInfo as a record of its own (read on demand).
struct CatalogSnapshot {
  static void write(Writer& w, const Catalog& c) {
    c.load_all();
    for (const auto* keys : {&c.m_keys, &c.m_patterns}) {
      std::vector<Table::Row> rows;
      for (const auto& [path, info] : *keys) {
        Writer record;
        io(record, info);
        rows.push_back({path, info.generated, std::move(record.out)});
      }
      Table::write(w, rows);
    }
    io(w, c.m_services);
    w.count(c.m_kind_fix.size());
    for (const auto& kv : c.m_kind_fix) io(w, kv);
    w.count(c.m_families.size());
    for (const Catalog::Family& f : c.m_families) {
      io(w, f.dir);
      io(w, f.leaves);
    }
    io(w, c.m_source_versions);
  }
  static void read(Reader& r, Catalog& c, std::shared_ptr<const std::string> owned) {
    auto keys = std::make_shared<SnapshotKeys>(std::move(owned), r.dir());
    for (Table& table : keys->tables) {
      if (!table.read(r)) r.ok = false;
    }
    c.set_source(std::move(keys));
    io(r, c.m_services);
    std::uint64_t fixes = r.elements();
    for (std::uint64_t i = 0; i < fixes && r.ok; ++i) {
      std::pair<std::string, std::string> kv;
      io(r, kv);
      c.m_kind_fix.emplace_hint(c.m_kind_fix.end(), std::move(kv));
    }
    std::uint64_t families = r.elements();
    for (std::uint64_t i = 0; i < families && r.ok; ++i) {
      Catalog::Family& f = c.m_families.emplace_back();
      io(r, f.dir);
      io(r, f.leaves);
    }
    io(r, c.m_source_versions);
  }
};

namespace {

/// Reads the snapshot's header and file list; true when there are as many files as `names`,
/// with these names in this order, and `holds(i, bytes)` says file i has the snapshot's bytes.
template <class Holds>
bool same_files(Reader& r, const std::vector<std::string>& names, Holds&& holds) {
  if (r.bytes_raw(k_magic.size()) != k_magic || r.count() != k_format || !r.ok) return false;
  std::uint64_t n = r.elements();
  if (!r.ok || n != names.size()) return false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (r.bytes() != names[i]) return false;
    std::string_view bytes = r.bytes();
    if (!r.ok || !holds(i, bytes)) return false;
  }
  return true;
}

bool same_files(Reader& r, const std::vector<DataFile>& files) {
  std::vector<std::string> names;
  for (const DataFile& f : files) names.push_back(f.name);
  return same_files(r, names,
                    [&](std::size_t i, std::string_view b) { return files[i].text == b; });
}

/// Whether the file at `path` holds exactly `want`: read in pieces into one buffer and compared
/// in place, so a match costs no copy of the file (on these machines a page touched for the
/// first time costs more than comparing it: bench/check).
bool file_holds(const std::string& path, std::string_view want) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return false;
  UniqueFd guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::uint64_t>(st.st_size) != want.size())
    return false;
  std::array<char, 16384> buf;
  std::size_t got = 0;
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return got == want.size();
    auto len = static_cast<std::size_t>(n);
    if (len > want.size() - got || std::memcmp(buf.data(), want.data() + got, len) != 0)
      return false;
    got += len;
  }
}

bool same_files_on_disk(Reader& r, const std::string& dir, const std::vector<std::string>& names) {
  return same_files(r, names, [&](std::size_t i, std::string_view bytes) {
    return file_holds(dir + "/" + names[i], bytes);
  });
}

}  // namespace

bool snapshot_matches(std::string_view snapshot, const std::string& dir) {
  Reader r(snapshot, "");
  return same_files_on_disk(r, dir, data_file_names(dir, true));
}

std::string make_snapshot(const Knowledge& k, const std::vector<DataFile>& files) {
  Writer w;
  w.out.append(k_magic);
  w.count(k_format);
  w.count(files.size());
  for (const DataFile& f : files) {
    w.bytes(f.name);
    w.bytes(f.text);
  }
  CatalogSnapshot::write(w, k.keys);
  write_checks(w, k.checks);
  io(w, k.rules);
  io(w, k.profiles);
  return std::move(w.out);
}

namespace {

std::optional<Knowledge> read_knowledge(Reader& r, std::shared_ptr<const std::string> owned) {
  Knowledge k;
  CatalogSnapshot::read(r, k.keys, owned);
  read_checks(r, k.checks, std::move(owned));
  io(r, k.rules);
  io(r, k.profiles);
  if (!r.ok || !r.at_end()) return std::nullopt;
  return k;
}

}  // namespace

std::optional<Knowledge> open_snapshot(std::string_view snapshot,
                                       const std::vector<DataFile>& files, const std::string& dir) {
  // The catalogs read their entries later: a snapshot that is not the program's own is kept.
  std::shared_ptr<const std::string> owned;
  if (snapshot.data() != embedded_snapshot().data()) {
    owned = std::make_shared<const std::string>(snapshot);
    snapshot = *owned;
  }
  Reader r(snapshot, dir);
  if (!same_files(r, files)) return std::nullopt;
  return read_knowledge(r, std::move(owned));
}

std::optional<Knowledge> open_snapshot(std::string_view snapshot, const std::string& dir) {
  if (snapshot.empty()) return std::nullopt;
  std::vector<std::string> names;
  try {
    names = data_file_names(dir, true);
  } catch (const SystemFailure&) {
    return std::nullopt;  // reading the files reports it
  }
  std::shared_ptr<const std::string> owned;
  if (snapshot.data() != embedded_snapshot().data()) {
    owned = std::make_shared<const std::string>(snapshot);
    snapshot = *owned;
  }
  Reader r(snapshot, dir);
  if (!same_files_on_disk(r, dir, names)) return std::nullopt;
  return read_knowledge(r, std::move(owned));
}

std::string_view embedded_snapshot() {
  if (&tcptune_knowledge_snapshot_size == nullptr || tcptune_knowledge_snapshot == nullptr)
    return {};
  return {tcptune_knowledge_snapshot, tcptune_knowledge_snapshot_size};
}

}  // namespace tcptune
