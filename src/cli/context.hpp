#pragma once
/// What every command gets: the global options, resolved once.

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "core/catalog.hpp"
#include "core/exit_code.hpp"
#include "engine/profiles.hpp"
#include "engine/rules.hpp"
#include "render/lint_render.hpp"
#include "render/style.hpp"
#include "sys/root_fs.hpp"

namespace tcptune {

struct GlobalOptions {
  std::string root = "/";
  std::string format = "text";
  std::string color = "auto";
  std::string data_dir;
  std::string config;      ///< --config FILE ("" = discover)
  bool no_config = false;  ///< --no-config
  bool quiet = false;
};

/// Everything tcptune ships (and the user's profiles): loaded together for check, explain,
/// rules and profiles.
struct Knowledge {
  Catalog keys;
  CheckCatalog checks;      ///< lint codes and check rules
  std::vector<Rule> rules;  ///< rules/check.toml
  std::vector<Profile> profiles;
};

struct Context {
  GlobalOptions global;
  std::ostream& out;
  std::ostream& err;
  RootFs fs;
  Style style;
  /// When set (--all-netns, in the namespace's child), check and sockets note the numbers of
  /// the summary table here: "total", state names, "errors", "warnings", "infos", "changes".
  std::map<std::string, std::string>* summary = nullptr;

  Context(GlobalOptions g, std::ostream& o, std::ostream& e);

  /// The data directory: --data-dir, $TCPTUNE_DATA_DIR, next to the installed binary
  /// (../share/tcptune), the source tree it was built from, the configured install prefix.
  [[nodiscard]] std::string data_dir() const;
  /// Loads rules/keys.toml and rules/lint.toml. Malformed → UsageError-class exit 2 (the
  /// messages are printed here); missing → SystemFailure.
  void load_catalogs(Catalog& keys, CheckCatalog& checks) const;
  /// Loads the catalogs, rules/check.toml, profiles/*.toml and the user's profiles from
  /// /etc/tcptune/profiles/*.toml under --root. Malformed → exit 2 with file:line:col.
  /// `user_profiles` false: only what tcptune ships (explain, rules: a broken user profile
  /// must not stop them).
  /// UserProfiles::no: the shipped profiles only (explain shows what tcptune ships).
  enum class UserProfiles { no, yes };
  [[nodiscard]] Knowledge load_knowledge(UserProfiles user_profiles = UserProfiles::yes) const;
  /// The --format value checked against what the command supports.
  [[nodiscard]] OutputFormat format(const std::vector<std::string>& allowed) const;
};

/// Thrown after the messages were already printed (exit code only).
class ReportedError : public std::runtime_error {
 public:
  explicit ReportedError(ExitCode code) : std::runtime_error("reported"), m_code(code) {}
  [[nodiscard]] ExitCode code() const { return m_code; }

 private:
  ExitCode m_code;
};

}  // namespace tcptune
