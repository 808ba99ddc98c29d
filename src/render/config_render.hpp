#pragma once
/// `tcptune config`: the effective configuration (text, and JSON schema tcptune.config/1).

#include <string>

#include "engine/boot_model.hpp"
#include "render/lint_render.hpp"
#include "render/style.hpp"

namespace tcptune {

struct ConfigMeta {
  std::string version;
  std::string kernel_release;          ///< "" when unknown
  std::vector<std::string> selectors;  ///< the KEY|GLOB arguments, as given
};

std::string render_config(const BootModel& model, const ConfigMeta& meta, OutputFormat format,
                          const Style& style);

}  // namespace tcptune
