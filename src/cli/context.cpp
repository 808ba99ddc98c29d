#include "cli/context.hpp"

#include <algorithm>
#include <ostream>

#include "config/catalog_loader.hpp"
#include "core/text_util.hpp"
#include "render/findings_render.hpp"
#include "sys/self.hpp"

#ifndef TCPTUNE_SOURCE_DATA_DIR
#define TCPTUNE_SOURCE_DATA_DIR ""
#endif
#ifndef TCPTUNE_INSTALL_DATA_DIR
#define TCPTUNE_INSTALL_DATA_DIR "/usr/local/share/tcptune"
#endif

namespace tcptune {

namespace {

bool use_color(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  if (env("NO_COLOR").value_or("").size() > 0) return false;
  if (env("TERM").value_or("") == "dumb") return false;
  return stdout_is_tty();
}

}  // namespace

Context::Context(GlobalOptions g, std::ostream& o, std::ostream& e)
    : global(std::move(g)), out(o), err(e), fs(global.root), style(use_color(global.color)) {}

std::string Context::data_dir() const {
  if (!global.data_dir.empty()) return global.data_dir;
  if (auto d = env("TCPTUNE_DATA_DIR"); d && !d->empty()) return *d;
  std::string exe = executable_dir();
  if (!exe.empty()) {
    std::string installed = exe + "/../share/tcptune";
    if (host_path_exists(installed + "/rules/keys.toml")) return installed;
  }
  std::string source = TCPTUNE_SOURCE_DATA_DIR;
  if (!source.empty() && host_path_exists(source + "/rules/keys.toml")) return source;
  return TCPTUNE_INSTALL_DATA_DIR;
}

void Context::load_catalogs(Catalog& keys, CheckCatalog& checks) const {
  std::string dir = data_dir();
  std::vector<Finding> errors;
  for (const char* name : {"keys.toml", "lint.toml"}) {
    std::string path = dir + "/rules/" + name;
    Result<std::string> text = read_plain_file(path);
    if (!text.ok()) {
      throw SystemFailure("cannot read tcptune's data file " + text.error().message() +
                          " (set --data-dir or TCPTUNE_DATA_DIR to the directory holding rules/)");
    }
    if (std::string(name) == "keys.toml") {
      load_key_catalog(text.value(), path, keys, errors);
    } else {
      load_check_catalog(text.value(), path, checks, errors);
    }
  }
  if (!errors.empty()) {
    for (const Finding& f : errors) err << render_finding_gcc(f);
    throw ReportedError(ExitCode::invalid_input);
  }
}

OutputFormat Context::format(const std::vector<std::string>& allowed) const {
  const std::string& f = global.format;
  if (std::find(allowed.begin(), allowed.end(), f) == allowed.end()) {
    throw UsageError("--format " + f + " is not supported by this command (use " +
                     join(allowed, ", ") + ")");
  }
  if (f == "gcc") return OutputFormat::gcc;
  if (f == "json") return OutputFormat::json;
  if (f == "sarif") return OutputFormat::sarif;
  if (f == "github") return OutputFormat::github;
  if (f == "prometheus") return OutputFormat::prometheus;
  return OutputFormat::text;
}

}  // namespace tcptune
