// libFuzzer target: kernel release strings (uname -r, /proc/sys/kernel/osrelease) and the strict
// X.Y[.Z] versions of the catalog and --kernel (src/core/kernel_version.hpp); the same bytes as a
// kernel command line (/proc/cmdline, parse_kernel_cmdline in src/engine/host_facts.hpp).
//
// Invariants: every parsed number is 0..9999; str() and str(VersionForm::short_form) parse back
// strictly to the same version; a strictly valid text is a valid release with the same value;
// trailing whitespace and a non-digit suffix do not change a release; versions compare as facts the
// way KernelVersion orders them. A command line parses without throwing into sysctl paths with
// no dot and a non-empty value and parameters with a non-empty name, and leading whitespace or
// a last word "--" (init's arguments) does not change it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/kernel_version.hpp"
#include "engine/host_facts.hpp"
#include "engine/rules.hpp"
#include "fuzz_support.hpp"

using namespace tcptune;

namespace {

void check_cmdline(std::string_view text) {
  KernelCmdline c;
  fuzz::no_throw("parse_kernel_cmdline", [&] { c = parse_kernel_cmdline(text); });
  const std::string ctx = "cmdline '" + std::string(text) + "'";
  for (const auto& [path, value] : c.sysctl) {
    TCPTUNE_FUZZ_CHECK(!path.empty() && path.find('.') == std::string::npos, ctx + ": " + path);
    TCPTUNE_FUZZ_CHECK(!value.empty() && value.find('\0') == std::string::npos, ctx + ": " + path);
  }
  for (const auto& [name, value] : c.params) {
    TCPTUNE_FUZZ_CHECK(!name.empty() && value.find('\0') == std::string::npos, ctx + ": " + name);
  }
  KernelCmdline padded = parse_kernel_cmdline(" \t" + std::string(text));
  TCPTUNE_FUZZ_CHECK(padded.sysctl == c.sysctl && padded.params == c.params,
                     ctx + ": leading whitespace changed it");
  // A word "--" after the last one (outside quotes: only when the text closes its quotes).
  if (std::count(text.begin(), text.end(), '"') == 0) {
    KernelCmdline ended = parse_kernel_cmdline(std::string(text) + " -- sysctl.fuzz.x=1 y=2");
    TCPTUNE_FUZZ_CHECK(ended.sysctl == c.sysctl && ended.params == c.params,
                       ctx + ": the words after -- were read");
  }
}

std::string show(const KernelVersion& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
}

void check_version(const KernelVersion& v, std::string_view from) {
  std::string ctx = "input '" + std::string(from) + "' -> " + show(v);
  TCPTUNE_FUZZ_CHECK(v.major >= 0 && v.major <= 9999 && v.minor >= 0 && v.minor <= 9999 &&
                         v.patch >= 0 && v.patch <= 9999,
                     ctx);
  for (VersionForm form : {VersionForm::full, VersionForm::short_form}) {
    std::string text = v.str(form);
    std::optional<KernelVersion> back = parse_kernel_version(text);
    TCPTUNE_FUZZ_CHECK(back && *back == v, ctx + ", str()=" + text);
    std::optional<KernelVersion> release = parse_kernel_release(text + "-fuzz\n");
    TCPTUNE_FUZZ_CHECK(release && *release == v, ctx + ", str()=" + text + "-fuzz");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  check_cmdline(text);
  std::optional<KernelVersion> release;
  std::optional<KernelVersion> strict;
  fuzz::no_throw("parse_kernel_release", [&] { release = parse_kernel_release(text); });
  fuzz::no_throw("parse_kernel_version", [&] { strict = parse_kernel_version(text); });
  if (strict) {
    check_version(*strict, text);
    TCPTUNE_FUZZ_CHECK(release && *release == *strict,
                       "strict '" + std::string(text) + "' is not the same release");
    std::optional<KernelVersion> padded = parse_kernel_release(std::string(text) + " \t\n");
    TCPTUNE_FUZZ_CHECK(padded && *padded == *strict, "trailing whitespace changed the release");
  }
  if (release) {
    check_version(*release, text);
    // The release continues with a suffix that does not start with a digit or a dot, or ends.
    TCPTUNE_FUZZ_CHECK(text.size() >= 3 && text.front() >= '0' && text.front() <= '9',
                       "a release must start with a digit: '" + std::string(text) + "'");
  }
  // Two versions from the two halves of the input order the same way as facts and as structs.
  std::size_t half = size / 2;
  std::optional<KernelVersion> a = parse_kernel_release(text.substr(0, half));
  std::optional<KernelVersion> b = parse_kernel_release(text.substr(half));
  if (a && b) {
    Tri lt = compare_values(CompareOp::lt, FactValue{*a}, FactValue{*b});
    Tri gt = compare_values(CompareOp::gt, FactValue{*b}, FactValue{*a});
    TCPTUNE_FUZZ_CHECK(lt == gt, show(*a) + " vs " + show(*b));
    TCPTUNE_FUZZ_CHECK((lt == Tri::yes) == (*a < *b), show(*a) + " < " + show(*b));
    Tri eq = compare_values(CompareOp::eq, FactValue{*a}, FactValue{*b});
    TCPTUNE_FUZZ_CHECK((eq == Tri::yes) == (*a == *b), show(*a) + " == " + show(*b));
  }
  return 0;
}
