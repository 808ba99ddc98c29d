#include "cli/app.hpp"

#include <boost/program_options.hpp>
#include <cctype>
#include <functional>
#include <ostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/knowledge_snapshot.hpp"
#include "core/text_util.hpp"
#include "core/version.hpp"
#include "render/findings_render.hpp"
#include "sys/fd_stream.hpp"

namespace po = boost::program_options;

namespace tcptune {

namespace {

/// The --version line on the shipped knowledge: the built-in snapshot or the parsed files.
std::string knowledge_source(const std::string& dir) {
  std::string_view snapshot = embedded_snapshot();
  if (snapshot.empty()) return "parsed from the data directory (this build has no snapshot)";
  try {
    if (snapshot_matches(snapshot, dir))
      return "the built-in snapshot (the data directory holds the files it was made from)";
    return "parsed from the data directory (its files differ from the built-in snapshot's)";
  } catch (const SystemFailure& e) {
    return std::string("unreadable: ") + e.what();
  }
}

struct Command {
  const char* name;
  const char* summary;
  std::function<int(Context&, const std::vector<std::string>&)> run;
};

const std::vector<Command>& commands() {
  static const std::vector<Command> table{
      {"check", "findings and the diff to a profile, from live values, sysctl.d and sockets",
       cmd_check},
      {"lint", "lint sysctl.d files (the host's set, or the files given)", cmd_lint},
      {"sockets", "socket census: states, listeners, destinations, port headroom, closers",
       cmd_sockets},
      {"config", "the effective configuration at boot: values, file:line, shadowed, refused",
       cmd_config},
      {"explain", "explain a finding code or a sysctl key", cmd_explain},
      {"rules", "list the finding codes", cmd_rules},
      {"profiles", "list the profiles, or show one resolved", cmd_profiles},
      {"apply", "apply a profile: sysctl.d fragment and live values, in one transaction",
       cmd_apply},
      {"rollback", "undo a transaction (default: the last one)", cmd_rollback},
      {"history", "list the transactions in the journal", cmd_history},
      {"debug", "developer tools (record-sockets FILE)", cmd_debug},
  };
  return table;
}

const char* k_usage_head =
    "usage: tcptune [global options] COMMAND [options] [args]\n"
    "\n"
    "A Linux sysctl tuning advisor, sysctl.d linter and safe applier.\n";

std::string global_help() {
  std::string s = k_usage_head;
  s += "\ncommands:\n";
  for (const Command& c : commands()) {
    std::string name = c.name;
    if (name == "debug") continue;
    s += "  " + name + std::string(name.size() < 10 ? 10 - name.size() : 1, ' ') + c.summary + "\n";
  }
  s += "\nglobal options:\n"
       "  --root DIR          read (and write) everything under DIR instead of /\n"
       "  --format FMT        text (default), gcc, json, sarif, github, prometheus, man,\n"
       "                      markdown, diff, codeclimate, checkstyle (per command)\n"
       "  --color WHEN        auto (default; off with NO_COLOR or when not a terminal), always, "
       "never\n"
       "  --data-dir DIR      where rules/ and profiles/ are (default: installed data; also\n"
       "                      TCPTUNE_DATA_DIR)\n"
       "  --config FILE       read settings from FILE (default: the nearest .tcptune.toml\n"
       "                      upward from the working directory, over\n"
       "                      /etc/tcptune/tcptune.toml under --root)\n"
       "  --no-config         read no configuration file\n"
       "  -q, --quiet         print less: no summary, no info findings in text output\n"
       "  -h, --help          this help; `tcptune COMMAND --help` for a command\n"
       "  -V, --version       print the version, the data directory and the help pages in\n"
       "                      use, and whether the built-in knowledge snapshot is used\n"
       "\nexit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or invalid input,\n"
       "3 system error, 4 apply failed and was rolled back, 5 rollback incomplete.\n"
       "See tcptune(8).\n";
  return s;
}

// Global options that take a value, for finding the command word in argv.
bool takes_value(const std::string& opt) {
  return opt == "--root" || opt == "--format" || opt == "--color" || opt == "--data-dir" ||
         opt == "--config";
}

// Every option a command line may hold for `command`: the global ones and those its --help
// shows (the help text is the one list of a command's options that users see), for "did you
// mean" on an unknown option.
std::vector<std::string> known_options(const GlobalOptions& g, const std::string& command) {
  std::vector<std::string> out{"--root", "--format",  "--color",  "--data-dir", "--quiet",
                               "--help", "--version", "--config", "--no-config"};
  for (const Command& c : commands()) {
    if (command != c.name) continue;
    std::ostringstream help;
    try {
      Context ctx(g, help, help);
      c.run(ctx, {"--help"});
    } catch (const std::exception&) {  // no suggestion from this command, then
    }
    const std::string text = help.str();
    for (std::size_t i = text.find("--"); i != std::string::npos; i = text.find("--", i + 2)) {
      std::size_t end = i + 2;
      while (end < text.size() &&
             (std::islower(static_cast<unsigned char>(text[end])) != 0 || text[end] == '-'))
        ++end;
      if (end > i + 2 && (i == 0 || text[i - 1] != '-')) out.push_back(text.substr(i, end - i));
    }
  }
  return out;
}

int run_command_line(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
                     std::string& command) {
  GlobalOptions g;
  std::vector<std::string> rest;  // everything but the command word, for the command's parser
  bool help = false;
  bool show_version = false;
  try {
    // Pull global options out wherever they are; the first other word is the command.
    for (std::size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      std::string name = a;
      std::string value;
      bool has_inline = false;
      if (a.rfind("--", 0) == 0) {
        std::size_t eq = a.find('=');
        if (eq != std::string::npos) {
          name = a.substr(0, eq);
          value = a.substr(eq + 1);
          has_inline = true;
        }
      }
      if (a == "--") {
        for (std::size_t j = i; j < argv.size(); ++j) rest.push_back(argv[j]);
        break;
      }
      if (takes_value(name)) {
        if (!has_inline) {
          if (i + 1 >= argv.size()) throw UsageError("option " + name + " needs a value");
          value = argv[++i];
        }
        // An empty value is a mistake (an unset shell variable), never "the default": --root ''
        // would otherwise be the host's own root.
        if (value.empty()) throw UsageError("option " + name + " needs a value (got an empty one)");
        if (name == "--root") g.root = value;
        if (name == "--format") g.format = value;
        if (name == "--color") g.color = value;
        if (name == "--data-dir") g.data_dir = value;
        if (name == "--config") g.config = value;
        continue;
      }
      if (a == "--no-config") {
        g.no_config = true;
        continue;
      }
      if (a == "-q" || a == "--quiet") {
        g.quiet = true;
        continue;
      }
      if (a == "-V" || a == "--version") {
        show_version = true;
        continue;
      }
      if ((a == "-h" || a == "--help") && command.empty()) {
        help = true;
        continue;
      }
      if (command.empty() && name.size() > 2 && name.rfind("--", 0) == 0) {
        // An option before the command that no command knows: a misspelt global option
        // (`--fromat json check`) would otherwise make its value the command word.
        std::vector<std::string> all = known_options(g, "");
        for (const Command& c : commands()) {
          std::vector<std::string> own = known_options(g, std::string(c.name));
          all.insert(all.end(), own.begin(), own.end());
        }
        if (std::find(all.begin(), all.end(), name) == all.end()) {
          std::string sug = did_you_mean(name, all);
          if (!sug.empty())
            throw UsageError(cat("unrecognised option '", name, "'; did you mean '", sug,
                                 "'? (see tcptune --help)"));
        }
      }
      if (command.empty() && !a.empty() && a[0] != '-') {
        command = a;
        continue;
      }
      rest.push_back(a);
    }
    if (g.color != "auto" && g.color != "always" && g.color != "never") {
      throw UsageError("--color must be auto, always or never (got '" + g.color + "')");
    }
    static const std::vector<std::string> formats{"text",   "gcc",         "json",      "sarif",
                                                  "github", "prometheus",  "man",       "markdown",
                                                  "diff",   "codeclimate", "checkstyle"};
    if (std::find(formats.begin(), formats.end(), g.format) == formats.end()) {
      throw UsageError("unknown --format '" + g.format + "' (" + join(formats, ", ") + ")");
    }
    if (g.root.empty()) throw UsageError("--root needs a directory");
    if (g.no_config && !g.config.empty())
      throw UsageError("--config and --no-config cannot be combined");
    // Text on a terminal wraps to its width at spaces; piped or redirected output, and every
    // machine format, keeps one line per record.
    if (g.format == "text") {
      if (auto* fd_buf = dynamic_cast<FdOutBuf*>(out.rdbuf()); fd_buf != nullptr)
        fd_buf->wrap_lines(terminal_columns(fd_buf->fd()));
    }
    Context ctx(g, out, err);
    if (!ctx.fs.is_directory("/")) throw UsageError("--root " + g.root + ": not a directory");
    if (show_version) {
      const std::string data_dir = ctx.data_dir();
      out << "tcptune " << version() << "\n"
          << "data directory: " << data_dir << "\n"
          << "help pages: " << help_uri("") << "\n"
          << "knowledge: " << knowledge_source(data_dir) << "\n";
      return 0;
    }
    if (command == "help") {
      if (rest.empty()) {
        help = true;
      } else {
        command = rest.front();
        rest = {"--help"};
      }
    }
    if (help || command.empty()) {
      // Without a command, an option left over is one no global option matches: name it.
      if (!help && !rest.empty())
        err << "tcptune: error: unrecognised option '" << rest.front()
            << "', and no command was given\n";
      (command.empty() && !help ? err : out) << global_help();
      return command.empty() && !help ? static_cast<int>(ExitCode::invalid_input) : 0;
    }
    for (const Command& c : commands()) {
      if (command != c.name) continue;
      // An interrupted apply is reported by whatever runs next (apply and rollback say more).
      if (command != "apply" && command != "rollback" && command != "history")
        warn_unfinished_transactions(ctx);
      return c.run(ctx, rest);
    }
    std::vector<std::string> names;
    for (const Command& c : commands()) names.emplace_back(c.name);
    std::string sug = did_you_mean(command, names);
    throw UsageError("unknown command '" + command + "'" +
                     (sug.empty() ? "" : "; did you mean '" + sug + "'?") +
                     " (see tcptune --help)");
  } catch (const ReportedError& e) {
    return static_cast<int>(e.code());
  } catch (const UsageError& e) {
    err << "tcptune: error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::invalid_input);
  } catch (const po::unknown_option& e) {
    std::string sug = did_you_mean(e.get_option_name(), known_options(g, command));
    err << "tcptune: error: unrecognised option '" << e.get_option_name() << "'"
        << (sug.empty() ? "" : "; did you mean '" + sug + "'?") << " (see tcptune "
        << (command.empty() ? "" : command + " ") << "--help)\n";
    return static_cast<int>(ExitCode::invalid_input);
  } catch (const po::error& e) {
    err << "tcptune: error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::invalid_input);
  } catch (const SystemFailure& e) {
    err << "tcptune: error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::system_error);
  } catch (const std::bad_alloc&) {
    err << "tcptune: error: out of memory\n";
    return static_cast<int>(ExitCode::system_error);
  } catch (const std::exception& e) {
    err << "tcptune: internal error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::system_error);
  }
}

// What the exit code of apply or rollback said had happened, for the message when its report
// could not be written.
std::string transaction_outcome(const std::string& command, int rc) {
  switch (static_cast<ExitCode>(rc)) {
    case ExitCode::ok:
      return command == "apply" ? "it was committed (or there was nothing to do)" : "it completed";
    case ExitCode::findings:
      return "nothing was changed (a dry run, or changes pending)";
    case ExitCode::system_error:
    case ExitCode::invalid_input:
      return "it was refused before anything was changed";
    case ExitCode::apply_rolled_back:
      return "it failed and everything was rolled back";
    case ExitCode::rollback_incomplete:
      return "it failed and the rollback is incomplete";
  }
  return "it ended with exit code " + std::to_string(rc);
}

}  // namespace

int run_app(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  std::string command;
  int rc = run_command_line(argv, out, err, command);
  // The report is the product of every command: if it could not be written (a full disk, a
  // closed pipe), the run failed, whatever the command found.
  out.flush();
  if (!out.fail()) return rc;
  int e = 0;
  if (const auto* fd_buf = dynamic_cast<const FdOutBuf*>(out.rdbuf())) e = fd_buf->error();
  std::string what = command.empty() ? "the output" : "the " + command + " report";
  err << "tcptune: error: cannot write " << what
      << " to standard output: " << (e != 0 ? SysError{e, "", ""}.message() : "write error");
  if (command == "apply" || command == "rollback") {
    err << "; the transaction is not affected by this: " << transaction_outcome(command, rc)
        << " (see tcptune history)";
  }
  err << "\n";
  // 4 and 5 say more about the system's state than 3 does; keep them.
  if (rc == static_cast<int>(ExitCode::apply_rolled_back) ||
      rc == static_cast<int>(ExitCode::rollback_incomplete))
    return rc;
  return static_cast<int>(ExitCode::system_error);
}

}  // namespace tcptune
