#pragma once
/// Output of `tcptune lint` in every format.

#include <string>

#include "config/sysctl_d_set.hpp"
#include "core/catalog.hpp"
#include "engine/lint.hpp"
#include "render/style.hpp"

namespace tcptune {

enum class OutputFormat {
  text,
  gcc,
  json,
  sarif,
  github,
  prometheus,
  man,
  markdown,
  diff,
  codeclimate,
  checkstyle
};

struct LintMeta {
  std::string version;
  std::string kernel_release;  ///< raw release string, "" when unknown
  std::string kernel_source;   ///< "live", "option", "unknown"
  bool live = false;
  int exit_code = 0;
  bool quiet = false;
};

std::string render_lint(const LintReport& report, const ConfigSet& set, const CheckCatalog& checks,
                        const LintMeta& meta, OutputFormat format, const Style& style);

}  // namespace tcptune
