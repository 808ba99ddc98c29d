// libFuzzer target: the sysctl.d parser (src/config/sysctl_d_parser.hpp), then `lint` over the
// parsed files (src/engine/lint.hpp) with the shipped catalogs and a captured /proc/sys held in
// memory.
//
// Input: the text of up to four files separated by lines starting with `%%` (the separator is
// not part of any file): /etc/sysctl.d/10-fuzz.conf, /usr/lib/sysctl.d/50-fuzz.conf,
// /run/sysctl.d/70-fuzz.conf, /etc/sysctl.d/99-fuzz.conf, so that precedence checks see
// several files.
//
// Invariants (parser): positions are 1-based and inside the line they point at; the raw key
// and the value are found at their columns; keys are canonical (normalising the key again gives
// the same key and path); values are trimmed and free of control characters; diagnostics are
// bounded, in line order, TT1xxx. Lint: every finding's code is in the check catalog, its file is
// one of the input files and its line exists there. Boot model: lint's (BootDetail::values)
// has the values, refusals of values and exit status of config's (BootDetail::full), and no
// notes; a key keeps at most k_max_boot_history shadowed writes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/sysctl_d_parser.hpp"
#include "config/sysctl_d_set.hpp"
#include "core/text_util.hpp"
#include "engine/boot_model.hpp"
#include "engine/lint.hpp"
#include "fuzz_support.hpp"

using namespace tcptune;

namespace {

const char* const k_files[][2] = {{"/etc/sysctl.d", "10-fuzz.conf"},
                                  {"/usr/lib/sysctl.d", "50-fuzz.conf"},
                                  {"/run/sysctl.d", "70-fuzz.conf"},
                                  {"/etc/sysctl.d", "99-fuzz.conf"}};

std::string where(const ParsedFile& f, int line) {
  return f.path + ":" + std::to_string(line) + ": '" + std::string(f.line_text(line)) + "'";
}

bool is_code(const std::string& c, char range) {
  if (c.size() != 6 || c.compare(0, 2, "TT") != 0 || (range != 0 && c[2] != range)) return false;
  for (std::size_t i = 2; i < 6; ++i) {
    if (c[i] < '0' || c[i] > '9') return false;
  }
  return true;
}

void check_parsed(const ParsedFile& f, std::string_view content) {
  std::size_t newlines = 0;
  for (char c : content) newlines += c == '\n' ? 1 : 0;
  TCPTUNE_FUZZ_CHECK(f.line_count() <= newlines + 1, f.path + ": more lines than in the text");
  TCPTUNE_FUZZ_CHECK(f.diagnostics.size() <= 201, f.path + ": unbounded diagnostics");
  const int nlines = static_cast<int>(f.line_count());
  int prev_line = 0;
  for (const SysctlEntry& e : f.entries) {
    const std::string_view line = f.line_text(e.line);
    const auto width = static_cast<int>(line.size());
    TCPTUNE_FUZZ_CHECK(e.line > prev_line && e.line <= nlines, where(f, e.line));
    prev_line = e.line;
    TCPTUNE_FUZZ_CHECK(!e.raw_key.empty() && e.key_column >= 1 && e.key_column <= width,
                       where(f, e.line));
    TCPTUNE_FUZZ_CHECK(
        line.compare(static_cast<std::size_t>(e.key_column) - 1, e.raw_key.size(), e.raw_key) == 0,
        cat(where(f, e.line), ": raw key '", e.raw_key, "' not at its column"));
    NormalizedKey again = normalize_key(e.key);
    TCPTUNE_FUZZ_CHECK(again.problem == KeyProblem::none && again.path == e.path &&
                           again.key == e.key && again.glob == e.glob,
                       cat(where(f, e.line), ": key '", e.key, "' is not canonical"));
    TCPTUNE_FUZZ_CHECK(path_to_key(e.path) == e.key, where(f, e.line));
    if (e.kind == EntryKind::exclude) {
      TCPTUNE_FUZZ_CHECK(e.ignore_failure && e.value.empty(), where(f, e.line));
      continue;
    }
    TCPTUNE_FUZZ_CHECK(e.value_column >= 1 && e.value_column <= width + 1, where(f, e.line));
    TCPTUNE_FUZZ_CHECK(trim(e.value) == e.value, where(f, e.line) + ": value not trimmed");
    for (char c : e.value) {
      auto u = static_cast<unsigned char>(c);
      TCPTUNE_FUZZ_CHECK((u >= 0x20 || u == '\t') && u != 0x7f,
                         where(f, e.line) + ": control character in a value");
    }
    if (!e.value.empty()) {
      TCPTUNE_FUZZ_CHECK(
          line.compare(static_cast<std::size_t>(e.value_column) - 1, e.value.size(), e.value) == 0,
          cat(where(f, e.line), ": value '", e.value, "' not at its column"));
    }
  }
  int prev_diag = 0;
  for (const Finding& d : f.diagnostics) {
    TCPTUNE_FUZZ_CHECK(is_code(d.code, '1') && d.file == f.path, d.code + " " + d.message);
    TCPTUNE_FUZZ_CHECK(d.line >= 1 && d.line >= prev_diag && d.column >= 1,
                       where(f, d.line) + ": " + d.code + " at column " + std::to_string(d.column));
    prev_diag = d.line;
    if (d.line <= nlines && d.code != "TT1008") {
      TCPTUNE_FUZZ_CHECK(d.column <= static_cast<int>(f.line_text(d.line).size()) + 1,
                         where(f, d.line) + ": " + d.code + " at column " +
                             std::to_string(d.column) + ": " + d.message);
    }
  }
  for (const auto& dc : f.directive_codes) {
    TCPTUNE_FUZZ_CHECK(is_code(dc.code, 0) && dc.line >= 1 && dc.line <= nlines && dc.column >= 1 &&
                           dc.column <= static_cast<int>(f.line_text(dc.line).size()),
                       where(f, dc.line) + ": directive code " + dc.code);
  }
  for (const auto& [line, codes] : f.line_suppressions) {
    TCPTUNE_FUZZ_CHECK(line >= 1 && line <= nlines && !codes.empty(), where(f, line));
  }
  TCPTUNE_FUZZ_CHECK(f.line_text(0).empty() && f.line_text(nlines + 1).empty(), f.path);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)fuzz::shipped_keys();
  (void)fuzz::shipped_checks();
  (void)fuzz::fixture_proc_sys("debian12");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parts = fuzz::split_parts(fuzz::as_text(data, size), 4);
  Semantics semantics = Semantics::systemd;
  for (const auto& [text, tag] : parts) {
    if (tag == "procps") semantics = Semantics::procps;
  }
  // The set as load_host_config builds it, from memory.
  ConfigSet set;
  set.semantics = semantics;
  std::vector<CandidateFile> candidates;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    candidates.push_back({k_files[i][0], k_files[i][1], false, ""});
  }
  fuzz::no_throw("order_candidates", [&] {
    set.files = order_candidates(candidates, sysctl_d_directories(semantics));
  });
  for (ConfigFile& cf : set.files) {
    cf.shown = cf.path;
    if (cf.role != FileRole::active) continue;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (cf.dir != k_files[i][0] || cf.name != k_files[i][1]) continue;
      const std::string& content = parts[i].first;
      ParsedFile parsed;
      fuzz::no_throw("parse_sysctl_d",
                     [&] { parsed = parse_sysctl_d(content, cf.path, semantics); });
      check_parsed(parsed, content);
      set.parsed.push_back(std::move(parsed));
      cf.parsed = static_cast<int>(set.parsed.size()) - 1;
    }
  }

  LintOptions options;
  options.kernel = KernelVersion{6, 1, 0};
  options.live = &fuzz::fixture_proc_sys("debian12");
  LintReport report;
  fuzz::no_throw("run_lint", [&] {
    report = run_lint(set, fuzz::shipped_keys(), fuzz::shipped_checks(), options);
  });
  // The boot model as `config` keeps it (every write, what the program says) and as lint keeps
  // it (BootDetail::values): the same values, refusals of values and exit status.
  BootModel full;
  fuzz::no_throw("simulate_boot", [&] {
    full = simulate_boot(
        set, *options.live, [](const std::string&) { return true; }, &fuzz::shipped_keys(),
        BootDetail::full);
  });
  if (report.boot) {
    const BootModel& values = *report.boot;
    TCPTUNE_FUZZ_CHECK(values.notes.empty() && values.exit_status == full.exit_status,
                       "BootDetail::values: notes or exit status");
    for (const auto& [path, k] : values.keys) {
      auto it = full.keys.find(path);
      TCPTUNE_FUZZ_CHECK(it != full.keys.end(), "BootDetail::values: extra key " + path);
      const BootKey& f = it->second;
      TCPTUNE_FUZZ_CHECK(
          k.value == f.value && k.before == f.before && k.propagated_from == f.propagated_from &&
              k.shadowed_total == f.shadowed_total && k.shadowed.size() == f.shadowed.size() &&
              // a key this kernel lacks: values keeps no refusal of it
              (!f.before || k.refused.size() == f.refused.size()),
          "BootDetail::values differs from full for " + path);
    }
    for (const auto& [path, k] : full.keys) {
      TCPTUNE_FUZZ_CHECK(k.shadowed.size() == std::min(k.shadowed_total, k_max_boot_history),
                         "shadowed history of " + path);
      TCPTUNE_FUZZ_CHECK(values.keys.count(path) != 0 || !k.before,
                         "BootDetail::values lost an existing key " + path);
    }
  }
  for (const Finding& f : report.findings) {
    TCPTUNE_FUZZ_CHECK(fuzz::shipped_checks().find(f.code) != nullptr,
                       "lint code " + f.code + " is not in rules/lint.toml: " + f.message);
    if (f.file.empty()) continue;
    const ParsedFile* in = nullptr;
    for (const ParsedFile& p : set.parsed) {
      if (p.path == f.file) in = &p;
    }
    TCPTUNE_FUZZ_CHECK(in != nullptr, f.code + " in unknown file " + f.file);
    // A binary file keeps no lines; its one diagnostic names the line of the NUL byte.
    TCPTUNE_FUZZ_CHECK(
        f.line >= 0 && (in->line_count() == 0 || f.line <= static_cast<int>(in->line_count()) + 1),
        f.code + " at " + f.file + ":" + std::to_string(f.line) + ": " + f.message);
  }
  return 0;
}
