#pragma once
// Shared by the libFuzzer targets in tests/fuzz:
//  - TCPTUNE_FUZZ_CHECK: an invariant that aborts with a message (libFuzzer keeps the input);
//  - no_throw: the loaders and parsers must never throw;
//  - the shipped catalogs and rules, read from the source tree once at start-up (the per-input
//    functions never touch the filesystem);
//  - MemoryKeySource: a /proc/sys in memory;
//  - TextFacts: the facts `check` rules see, built from text that is part of the fuzz input.

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "census/census.hpp"
#include "config/catalog_loader.hpp"
#include "core/key_source.hpp"
#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"
#include "engine/facts.hpp"
#include "engine/host_facts.hpp"
#include "engine/rule_loader.hpp"
#include "engine/rules.hpp"
#include "sys/root_fs.hpp"

#define TCPTUNE_FUZZ_CHECK(cond, detail)                                     \
  do {                                                                       \
    if (!(cond)) ::tcptune::fuzz::fail(__FILE__, __LINE__, #cond, (detail)); \
  } while (false)

namespace tcptune::fuzz {

[[noreturn]] inline void fail(const char* file, int line, const char* what,
                              const std::string& detail) {
  std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n  %s\n", file, line, what,
               detail.c_str());
  std::abort();
}

/// Runs f; an exception escaping it is a finding (every entry point fuzzed here promises to
/// report problems as diagnostics or results, never to throw).
template <class F>
void no_throw(const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    fail(__FILE__, __LINE__, what, std::string("threw: ") + e.what());
  } catch (...) {
    fail(__FILE__, __LINE__, what, "threw a non-std exception");
  }
}

/// The input as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Splits `text` at lines that start with `%%`: the parts, and the rest of each separator line
/// (the first part gets "").
inline std::vector<std::pair<std::string, std::string>> split_parts(std::string_view text,
                                                                    std::size_t max_parts) {
  std::vector<std::pair<std::string, std::string>> parts;
  std::string tag;
  std::size_t start = 0;
  std::size_t pos = 0;
  while (parts.size() + 1 < max_parts) {
    std::size_t sep = text.find("\n%%", pos);
    if (sep == std::string_view::npos) break;
    std::size_t eol = text.find('\n', sep + 3);
    if (eol == std::string_view::npos) eol = text.size();
    parts.emplace_back(std::string(text.substr(start, sep + 1 - start)), tag);
    tag = std::string(trim(text.substr(sep + 3, eol - sep - 3)));
    start = pos = eol == text.size() ? eol : eol + 1;
  }
  parts.emplace_back(std::string(text.substr(start)), tag);
  return parts;
}

/// The project's data directory (rules/, profiles/, tests/fixtures/): TCPTUNE_DATA_DIR from
/// the environment, else the source tree the targets were built from.
inline std::string data_dir() {
  if (const char* d = std::getenv("TCPTUNE_DATA_DIR"); d != nullptr && *d != '\0') return d;
  return TCPTUNE_SOURCE_DIR;
}

/// Reads a data file at start-up; a missing file stops the fuzzer (fuzzing an empty catalog
/// would look green and test nothing).
inline std::string read_data(const std::string& rel) {
  Result<std::string> r = read_plain_file(data_dir() + "/" + rel);
  if (!r.ok()) fail(__FILE__, __LINE__, "read_data", r.error().message());
  return r.value();
}

inline const Catalog& shipped_keys() {
  static const Catalog c = [] {
    Catalog k;
    std::vector<Finding> errors =
        load_key_catalog(read_data("rules/keys.toml"), "rules/keys.toml", k);
    if (!errors.empty() || k.all().empty())
      fail(__FILE__, __LINE__, "rules/keys.toml", errors.empty() ? "no keys" : errors[0].message);
    return k;
  }();
  return c;
}

inline const CheckCatalog& shipped_checks() {
  static const CheckCatalog c = [] {
    CheckCatalog k;
    std::vector<Finding> errors =
        load_check_catalog(read_data("rules/lint.toml"), "rules/lint.toml", k);
    if (!errors.empty() || k.all().empty())
      fail(__FILE__, __LINE__, "rules/lint.toml", errors.empty() ? "no checks" : errors[0].message);
    return k;
  }();
  return c;
}

inline const std::vector<Rule>& shipped_rules() {
  static const std::vector<Rule> rules = [] {
    std::vector<Rule> out;
    CheckCatalog checks = shipped_checks();
    std::vector<Finding> errors =
        load_rules(read_data("rules/check.toml"), "rules/check.toml", shipped_keys(), out, checks);
    if (!errors.empty() || out.empty())
      fail(__FILE__, __LINE__, "rules/check.toml", errors.empty() ? "no rules" : errors[0].message);
    return out;
  }();
  return rules;
}

/// A /proc/sys in memory: relative path -> value.
class MemoryKeySource final : public KeySource {
 public:
  std::map<std::string, std::string> keys;

  KeyRead read(std::string_view path) const override {
    KeyRead r;
    auto it = keys.find(std::string(path));
    if (it == keys.end()) return r;
    r.status = KeyStatus::value;
    r.raw = it->second;
    r.value = std::string(trim(it->second));
    return r;
  }
  bool exists(std::string_view path) const override { return keys.count(std::string(path)) != 0; }
  std::vector<std::string> list(std::string_view dir) const override {
    std::set<std::string> out;
    std::string prefix = dir.empty() ? "" : std::string(dir) + "/";
    for (auto it = keys.lower_bound(prefix); it != keys.end(); ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      std::string rest = it->first.substr(prefix.size());
      out.insert(rest.substr(0, rest.find('/')));
    }
    return {out.begin(), out.end()};
  }
  std::vector<std::string> glob(std::string_view pattern, std::size_t limit) const override {
    std::vector<std::string> out;
    std::string pat(pattern);
    for (const auto& [path, value] : keys) {
      if (out.size() >= limit) break;
      if (::fnmatch(pat.c_str(), path.c_str(), FNM_PATHNAME) == 0) out.push_back(path);
    }
    return out;
  }
};

/// A captured /proc/sys tree (tests/fixtures/NAME/proc/sys), read once at start-up.
inline const MemoryKeySource& fixture_proc_sys(const std::string& name) {
  static std::map<std::string, MemoryKeySource> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  MemoryKeySource src;
  std::filesystem::path root =
      std::filesystem::path(data_dir()) / "tests/fixtures" / name / "proc/sys";
  std::error_code ec;
  for (auto e = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && e != std::filesystem::recursive_directory_iterator(); e.increment(ec)) {
    if (!e->is_regular_file()) continue;
    Result<std::string> v = read_plain_file(e->path().string());
    if (v.ok()) src.keys[e->path().lexically_relative(root).string()] = v.value();
  }
  if (ec || src.keys.empty()) fail(__FILE__, __LINE__, "fixture_proc_sys", root.string());
  return cache.emplace(name, std::move(src)).first->second;
}

/// A fact value written in the fuzz input: "text" in quotes, an integer as the kernel reads it,
/// a floating-point number (nan and inf included), or else text.
inline FactValue typed_value(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    return FactValue{std::string(v.substr(1, v.size() - 2))};
  }
  if (auto i = parse_kernel_int(v)) return FactValue{*i};
  double d = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (!v.empty() && ec == std::errc() && end == v.data() + v.size()) return FactValue{d};
  return FactValue{std::string(v)};
}

/// Facts for `check` rules from text, one `name = value` per line, named as rules name them
/// (tests/engine/rule_cases.toml):
///
///   kernel = 6.1                     a release (facts about the kernel are then absent if it
///                                    does not parse)
///   live.KEY = VALUE                 the raw /proc/sys text (an in-memory KeySource)
///   persisted.KEY = VALUE            the winning sysctl.d value, "at" this input line
///   assigned.KEY = N                 how many assignments (1 when not given)
///   census.METRIC = VALUE            any value: 12, 1.5, nan, -inf, "text"
///   counter.P.NAME = N, sockstat.P.NAME = N
///   profile = NAME, host.initial_netns = 0|1, host.containers = 0|1,
///   config.sysctl_conf_unread = 0|1, cmdline = WORDS (the boot.KEY facts)
///
/// Everything except census metrics goes through the real HostFacts (default., netns.,
/// derived., boot., foreach domains); census metrics are taken as written, so that rules see
/// values the census would never compute.
class TextFacts final : public FactSource {
 public:
  TextFacts(std::string_view text, const Catalog& keys) {
    HostFactsInput in;
    in.keys = &keys;
    in.live = &m_live;
    std::map<std::string, int> assigned;
    bool have_census = false;
    int line_no = 0;
    for (std::string_view line : split(text, '\n')) {
      ++line_no;
      std::size_t eq = line.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view name = trim(line.substr(0, eq));
      std::string_view value = trim(line.substr(eq + 1));
      std::size_t dot = name.find('.');
      std::string_view ns = name.substr(0, dot);
      std::string_view rest = dot == std::string_view::npos ? "" : name.substr(dot + 1);
      auto key_path = [&] { return normalize_key(rest).path; };
      if (name == "kernel") {
        in.kernel = parse_kernel_release(value);
      } else if (name == "profile") {
        in.profile = std::string(value);
      } else if (name == "cmdline") {
        in.cmdline = std::string(value);
      } else if (name == "host.initial_netns") {
        in.initial_netns = value == "1";
      } else if (name == "host.containers") {
        in.containers = value == "1";
      } else if (name == "config.sysctl_conf_unread") {
        in.sysctl_conf_unread = value == "1";
      } else if (ns == "live" && !key_path().empty()) {
        m_live.keys[key_path()] = std::string(value);
      } else if (ns == "persisted" && !key_path().empty()) {
        PersistedValue& p = in.persisted[key_path()];
        p.value = std::string(value);
        p.at = {"/etc/sysctl.d/99-fuzz.conf", line_no, 1, std::string(line)};
      } else if (ns == "assigned" && !key_path().empty()) {
        assigned[key_path()] = static_cast<int>(parse_kernel_int(value).value_or(1) & 0xffff);
      } else if (ns == "census") {
        m_census_values[std::string(rest)] = typed_value(value);
      } else if (ns == "counter" || ns == "sockstat") {
        have_census = true;
        auto& m = ns == "counter" ? m_census.counters : m_census.sockstat;
        m[std::string(rest)] = parse_kernel_int(value).value_or(0);
      }
    }
    for (auto& [path, n] : assigned) {
      auto it = in.persisted.find(path);
      if (it != in.persisted.end()) it->second.assignments = n;
    }
    if (have_census) in.census = &m_census;
    m_host.emplace(std::move(in));
  }
  TextFacts(const TextFacts&) = delete;
  TextFacts& operator=(const TextFacts&) = delete;

  std::optional<FactValue> get(const FactRef& ref, const std::string& each) const override {
    if (ref.kind != FactKind::census) return m_host->get(ref, each);
    auto it = m_census_values.find(ref.path);
    if (it == m_census_values.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> keys(std::string_view domain) const override {
    return m_host->keys(domain);
  }
  std::optional<Location> persisted_at(const std::string& path) const override {
    return m_host->persisted_at(path);
  }
  [[nodiscard]] const std::map<std::string, FactValue>& census_values() const {
    return m_census_values;
  }

 private:
  MemoryKeySource m_live;
  CensusReport m_census;
  std::map<std::string, FactValue> m_census_values;
  std::optional<HostFacts> m_host;
};

/// What the evaluator relies on in a loaded condition: all/any have children, not has one,
/// a comparison has a value (several for `in`) or another fact, present/absent have neither,
/// and nesting is bounded.
inline void check_condition_shape(const Condition& c, const std::string& where, int depth = 0) {
  TCPTUNE_FUZZ_CHECK(depth <= 17, where + ": condition nested " + std::to_string(depth) + " deep");
  switch (c.kind) {
    case Condition::Kind::all:
    case Condition::Kind::any:
      TCPTUNE_FUZZ_CHECK(!c.children.empty(), where + ": empty all/any");
      break;
    case Condition::Kind::not_:
      TCPTUNE_FUZZ_CHECK(c.children.size() == 1, where + ": 'not' without one child");
      break;
    case Condition::Kind::compare: {
      TCPTUNE_FUZZ_CHECK(c.children.empty(), where + ": a comparison with children");
      bool unary = c.op == CompareOp::present || c.op == CompareOp::absent;
      if (unary) {
        TCPTUNE_FUZZ_CHECK(c.values.empty() && !c.other, where + ": present/absent with a value");
      } else if (c.op == CompareOp::in) {
        TCPTUNE_FUZZ_CHECK(!c.values.empty() && !c.other, where + ": 'in' without values");
      } else {
        TCPTUNE_FUZZ_CHECK(c.values.size() + (c.other ? 1 : 0) == 1,
                           where + ": a comparison needs exactly one operand");
      }
      if (c.fact.kind == FactKind::kernel) {
        for (const FactValue& v : c.values) {
          TCPTUNE_FUZZ_CHECK(std::holds_alternative<KernelVersion>(v),
                             where + ": kernel compared with a non-version");
        }
      }
      break;
    }
  }
  for (const Condition& ch : c.children) check_condition_shape(ch, where, depth + 1);
}

/// census_metrics() of a report: percentages in 0..100, counts not negative, names known.
inline void check_census_metrics(const CensusReport& rep) {
  std::map<std::string, FactValue> m;
  no_throw("census_metrics", [&] { m = census_metrics(rep); });
  for (const char* pct : {"min_headroom_pct", "server_time_wait_pct"}) {
    auto it = m.find(pct);
    if (it == m.end()) continue;
    const double* d = std::get_if<double>(&it->second);
    TCPTUNE_FUZZ_CHECK(d != nullptr && *d >= 0 && *d <= 100,
                       std::string(pct) + " = " + fact_text(it->second));
  }
  const auto* total = std::get_if<std::int64_t>(&m.at("total"));
  TCPTUNE_FUZZ_CHECK(total != nullptr && *total == static_cast<std::int64_t>(rep.sockets.total()),
                     "census.total");
  for (const auto& [name, v] : m) {
    TCPTUNE_FUZZ_CHECK(std::find(census_metric_names().begin(), census_metric_names().end(),
                                 name) != census_metric_names().end(),
                       "metric " + name + " is not in census_metric_names()");
    if (const auto* i = std::get_if<std::int64_t>(&v))
      TCPTUNE_FUZZ_CHECK(*i >= 0, name + " = " + std::to_string(*i));
  }
}

/// run_rules() output: only codes of the rules run, most severe first, then by code.
inline void check_rule_findings(const std::vector<Finding>& findings,
                                const std::set<std::string>& codes) {
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    TCPTUNE_FUZZ_CHECK(codes.count(f.code) != 0, "finding of unknown rule " + f.code);
    if (i > 0) {
      const Finding& p = findings[i - 1];
      TCPTUNE_FUZZ_CHECK(p.severity > f.severity || (p.severity == f.severity && p.code <= f.code),
                         "findings out of order: " + p.code + ", " + f.code);
    }
  }
}

}  // namespace tcptune::fuzz
