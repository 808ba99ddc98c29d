#pragma once
/// Mechanical fixes for lint findings: the edits `lint --format diff`, SARIF `fixes` and the
/// JSON `fix` object carry. Pure: it looks only at the parsed file and the catalog.

#include <optional>
#include <string>
#include <string_view>

#include "config/sysctl_d_parser.hpp"
#include "core/catalog.hpp"
#include "core/finding.hpp"
#include "core/kernel_version.hpp"

namespace tcptune {

/// The fix of finding `f` (already coded, with its evidence) about entry `e` of file `p`, or
/// nullopt when fixing it needs a judgement (which file should win, which port range suits
/// this host, ...) or when the file's lines are not exact (CRLF, cut lines, binary).
/// `suggestion` is the one "did you mean" name, "" when there is none.
std::optional<Fix> lint_fix(const Finding& f, const ParsedFile& p, const SysctlEntry& e,
                            const Catalog& keys, const std::optional<KernelVersion>& kernel,
                            const std::string& suggestion);

/// The text of `line` with `length` bytes from 1-based byte `column` replaced by `text`.
std::string splice(std::string_view line, int column, std::size_t length, std::string_view text);

}  // namespace tcptune
