#pragma once
// Shared test helpers: an in-memory /proc/sys, in-memory sysctl.d sets, the shipped catalogs.

#include <fnmatch.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include "config/catalog_loader.hpp"
#include "config/sysctl_d_set.hpp"
#include "core/key_source.hpp"
#include "core/text_util.hpp"
#include "sys/root_fs.hpp"

namespace tcptune::test {

/// A /proc/sys in memory: path → value; a value of "\x01unreadable" makes the key exist but
/// fail to read.
class FakeKeySource final : public KeySource {
 public:
  FakeKeySource(std::initializer_list<std::pair<const std::string, std::string>> keys)
      : m_keys(keys) {}
  explicit FakeKeySource(std::map<std::string, std::string> keys) : m_keys(std::move(keys)) {}
  KeyRead read(std::string_view path) const override {
    KeyRead r;
    auto it = m_keys.find(std::string(path));
    if (it == m_keys.end()) return r;
    r.status = KeyStatus::value;
    r.value = it->second;
    r.raw = it->second + "\n";  // as /proc/sys has it (vectors tab-separated there)
    return r;
  }
  bool exists(std::string_view path) const override { return m_keys.count(std::string(path)) != 0; }
  std::vector<std::string> list(std::string_view dir) const override {
    std::vector<std::string> out;
    std::string prefix = dir.empty() ? "" : std::string(dir) + "/";
    for (const auto& [p, v] : m_keys) {
      if (p.rfind(prefix, 0) != 0) continue;
      std::string rest = p.substr(prefix.size());
      std::string name = rest.substr(0, rest.find('/'));
      if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
    return out;
  }
  std::vector<std::string> glob(std::string_view pattern, std::size_t limit) const override {
    std::vector<std::string> out;
    std::string pat(pattern);
    for (const auto& [p, v] : m_keys) {
      if (::fnmatch(pat.c_str(), p.c_str(), FNM_PATHNAME) == 0) out.push_back(p);
      if (out.size() >= limit) break;
    }
    return out;
  }

 private:
  std::map<std::string, std::string> m_keys;
};

struct MemFile {
  std::string dir;   // "/etc/sysctl.d"
  std::string name;  // "10-a.conf"
  std::string content;
};

/// A set as load_host_config would build it, from in-memory files (no masking, no links).
inline ConfigSet make_set(const std::vector<MemFile>& files, Semantics s = Semantics::systemd) {
  ConfigSet set;
  set.semantics = s;
  std::vector<CandidateFile> cands;
  for (const auto& f : files) cands.push_back({f.dir, f.name, false, ""});
  set.files = order_candidates(cands, sysctl_d_directories(s));
  for (ConfigFile& cf : set.files) {
    cf.shown = cf.path;
    if (cf.role != FileRole::active) continue;
    for (const auto& f : files) {
      if (f.dir == cf.dir && f.name == cf.name) {
        set.parsed.push_back(parse_sysctl_d(f.content, cf.path, s));
        cf.parsed = static_cast<int>(set.parsed.size()) - 1;
      }
    }
  }
  return set;
}

inline std::string data_file(const char* rel) {
  Result<std::string> r = read_plain_file(std::string(TCPTUNE_TEST_DATA_DIR) + "/" + rel);
  return r.ok() ? r.value() : std::string();
}

/// The shipped catalogs (rules/keys.toml, rules/lint.toml); loading must not fail.
inline const Catalog& shipped_keys() {
  static const Catalog c = [] {
    Catalog k;
    std::vector<Finding> errors;
    // As the program loads it: the generated catalog, the curated one merged over it.
    append(errors,
           load_generated_catalog(data_file("rules/kernel_keys.tsv"), "rules/kernel_keys.tsv", k));
    append(errors, load_key_catalog(data_file("rules/keys.toml"), "rules/keys.toml", k));
    append(errors, load_services(data_file("rules/services.toml"), "rules/services.toml", k));
    return k;
  }();
  return c;
}

inline const CheckCatalog& shipped_checks() {
  static const CheckCatalog c = [] {
    CheckCatalog k;
    std::vector<Finding> errors =
        load_check_catalog(data_file("rules/lint.toml"), "rules/lint.toml", k);
    return k;
  }();
  return c;
}

inline std::string fixture(const char* name) {
  return std::string(TCPTUNE_TEST_FIXTURES) + "/" + name;
}

/// A fresh directory under /tmp for one test ("/tmp/tcptune-TAG-XXXXXX"), removed with
/// everything in it when the test ends.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag = "test") {
    std::string tmpl = "/tmp/tcptune-" + tag + "-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

/// Writes `text` to `p`, creating its parent directories.
inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

/// A symbolic link at `at` whose text is `target`, creating the parent directories.
inline void symlink_at(const std::string& target, const std::filesystem::path& at) {
  std::filesystem::create_directories(at.parent_path());
  std::filesystem::create_symlink(target, at);
}

/// A root tree under /tmp ("/tmp/tcptune-TAG-XXXXXX") with paths relative to it, removed with
/// everything in it when the test ends.
struct TempRoot {
  std::string path;
  explicit TempRoot(const std::string& tag = "root") {
    std::string tmpl = "/tmp/tcptune-" + tag + "-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;
  ~TempRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  void write(const std::string& rel, const std::string& data) const {
    std::filesystem::create_directories(std::filesystem::path(path + rel).parent_path());
    std::ofstream(path + rel, std::ios::binary) << data;
  }
  [[nodiscard]] std::string read(const std::string& rel) const {
    std::ifstream in(path + rel, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  [[nodiscard]] bool exists(const std::string& rel) const {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(path + rel, ec));
  }
};

}  // namespace tcptune::test
