// libFuzzer target: the key catalog and check catalog loaders (src/config/catalog_loader.hpp),
// the data every command starts from (rules/keys.toml, rules/lint.toml; operators can point
// TCPTUNE_DATA_DIR elsewhere).
//
// Input: one TOML document, loaded both as a key catalog and as a check catalog.
//
// Invariants: the loaders never throw; errors are TT0001 findings in the given file with a
// position; a loaded key has a canonical, glob-free name and path, a vector count in 1..16,
// min <= max, a kernel older than a default change gets a default, and its
// netns fields are one of the documented values; a loaded check has a code like TT2003, a
// known severity, and is findable by its code.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/catalog_loader.hpp"
#include "core/sysctl_key.hpp"
#include "fuzz_support.hpp"

using namespace tcptune;

namespace {

void check_errors(const std::vector<Finding>& errors, const std::string& file) {
  for (const Finding& e : errors) {
    TCPTUNE_FUZZ_CHECK(e.code == "TT0001" && e.file == file && e.invalid_input &&
                           e.severity == Severity::error && !e.message.empty(),
                       e.file + ": " + e.message);
    TCPTUNE_FUZZ_CHECK(e.line >= 1 && e.column >= 1,
                       "error without a position (" + std::to_string(e.line) + ":" +
                           std::to_string(e.column) + "): " + e.message);
  }
}

void check_key(const KeyInfo& k) {
  std::string where = k.source + " " + k.name;
  NormalizedKey nk = normalize_key(k.name);
  TCPTUNE_FUZZ_CHECK(
      nk.problem == KeyProblem::none && !nk.glob && nk.path == k.path && nk.key == k.name,
      where + ": name/path '" + k.path + "'");
  TCPTUNE_FUZZ_CHECK(k.count >= 1 && k.count <= 16, where + ": count");
  TCPTUNE_FUZZ_CHECK(!k.min || !k.max || *k.min <= *k.max, where + ": min > max");
  TCPTUNE_FUZZ_CHECK(k.netns.has_value(), where);
  TCPTUNE_FUZZ_CHECK(k.netns_init.empty() || k.netns_init == "default" || k.netns_init == "copy",
                     where);
  (void)k.default_for(std::nullopt);
  for (const DefaultChange& c : k.default_history) {
    // A kernel older than a change gets a default (the history's, or the current one).
    if (c.before > KernelVersion{}) {
      std::optional<std::string> d = k.default_for(KernelVersion{});
      TCPTUNE_FUZZ_CHECK(d.has_value(), where + ": no default before " + c.before.str());
    }
    (void)k.default_for(c.before);
    (void)k.exists_on(c.before);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(fuzz::as_text(data, size));

  Catalog keys;
  std::vector<Finding> key_errors;
  fuzz::no_throw("load_key_catalog",
                 [&] { append(key_errors, load_key_catalog(text, "rules/keys.toml", keys)); });
  check_errors(key_errors, "rules/keys.toml");
  for (const auto& [path, k] : keys.all()) {
    TCPTUNE_FUZZ_CHECK(path == k.path && keys.find(path) == &k, "catalog index " + path);
    check_key(k);
  }
  TCPTUNE_FUZZ_CHECK(keys.names().size() == keys.all().size(), "names()");

  CheckCatalog checks;
  std::vector<Finding> lint_errors;
  fuzz::no_throw("load_check_catalog",
                 [&] { append(lint_errors, load_check_catalog(text, "rules/lint.toml", checks)); });
  check_errors(lint_errors, "rules/lint.toml");
  for (const auto& [code, c] : checks.all()) {
    bool shape = code.size() == 6 && code.compare(0, 2, "TT") == 0 &&
                 code.find_first_not_of("0123456789", 2) == std::string::npos;
    TCPTUNE_FUZZ_CHECK(shape && c.code == code && checks.find(code) == &c, "code '" + code + "'");
    TCPTUNE_FUZZ_CHECK(parse_severity(to_string(c.severity)) == c.severity, code);
  }
  return 0;
}
