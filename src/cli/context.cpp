#include "cli/context.hpp"

#include <algorithm>
#include <filesystem>
#include <ostream>

#include "cli/knowledge_snapshot.hpp"
#include "core/text_util.hpp"
#include "engine/rule_loader.hpp"
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
    // /proc/self/exe is already resolved, so dropping the ".." is exact.
    std::string installed =
        std::filesystem::path(exe + "/../share/tcptune").lexically_normal().string();
    if (host_path_exists(installed + "/rules/keys.toml")) return installed;
  }
  std::string source = TCPTUNE_SOURCE_DATA_DIR;
  if (!source.empty() && host_path_exists(source + "/rules/keys.toml")) return source;
  return TCPTUNE_INSTALL_DATA_DIR;
}

void Context::load_catalogs(Catalog& keys, CheckCatalog& checks) const {
  std::string dir = data_dir();
  Knowledge k;
  std::vector<Finding> errors = load_data_files(read_data_files(dir, false), dir, k);
  if (!errors.empty()) {
    for (const Finding& f : errors) err << render_finding_gcc(f);
    throw ReportedError(ExitCode::invalid_input);
  }
  keys = std::move(k.keys);
  checks = std::move(k.checks);
}

namespace {

Finding load_error(const std::string& file, const std::string& message) {
  return data_error(file, 0, 0, message);
}

}  // namespace

Knowledge Context::load_knowledge(UserProfiles user_profiles) const {
  std::string dir = data_dir();
  // The snapshot built into the program when the files are the ones it was made from (the
  // same knowledge, without parsing the TOML); the files themselves otherwise.
  std::vector<Finding> errors;
  Knowledge k;
  if (std::optional<Knowledge> built_in = open_snapshot(embedded_snapshot(), dir)) {
    k = std::move(*built_in);
  } else {
    errors = load_data_files(read_data_files(dir, true), dir, k);
  }
  const char* user_dir = "/etc/tcptune/profiles";
  if (user_profiles == UserProfiles::yes && fs.is_directory(user_dir)) {
    Result<std::vector<DirEntry>> entries = fs.list_dir(user_dir);
    if (!entries.ok()) {
      errors.push_back(load_error(fs.host_path(user_dir),
                                  "cannot list the user profiles: " + entries.error().message()));
    } else {
      for (const DirEntry& e : entries.value()) {
        if (e.name.size() < 6 || e.name.compare(e.name.size() - 5, 5, ".toml") != 0) continue;
        if (e.name.front() == '.') continue;
        std::string in_root = std::string(user_dir) + "/" + e.name;
        Result<std::string> text = fs.read_file(in_root);
        if (!text.ok()) {
          errors.push_back(
              load_error(fs.host_path(in_root), "cannot read profile: " + text.error().message()));
          continue;
        }
        append(errors,
               load_profile(text.value(), fs.host_path(in_root), "user", k.keys, k.profiles));
      }
    }
  }
  // Every extends chain must resolve (an unknown parent or a cycle is a load error).
  for (const ChainError& e : check_profile_chains(k.profiles)) {
    errors.push_back(load_error(e.profile->file, e.message));
    errors.back().line = e.profile->line;
  }
  if (!errors.empty()) {
    for (const Finding& f : errors) err << render_finding_gcc(f);
    throw ReportedError(ExitCode::invalid_input);
  }
  return k;
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
  if (f == "man") return OutputFormat::man;
  if (f == "markdown") return OutputFormat::markdown;
  if (f == "diff") return OutputFormat::diff;
  if (f == "codeclimate") return OutputFormat::codeclimate;
  if (f == "checkstyle") return OutputFormat::checkstyle;
  return OutputFormat::text;
}

}  // namespace tcptune
