#pragma once
/// Output of `tcptune sockets`: text tables, JSON (tcptune.sockets/1), Prometheus exposition.

#include <string>

#include "census/census.hpp"
#include "render/lint_render.hpp"
#include "render/style.hpp"

namespace tcptune {

struct SocketsMeta {
  std::string version;
  std::string netns;  ///< "" for the current namespace
  std::size_t top = 10;
};

std::string render_sockets(const CensusReport& rep, const SocketsMeta& meta, OutputFormat format,
                           const Style& style);

}  // namespace tcptune
