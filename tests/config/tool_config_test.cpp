#include "config/tool_config.hpp"

#include <doctest/doctest.h>

using namespace tcptune;

namespace {

struct Parsed {
  ToolConfig cfg;
  std::vector<std::string> errors;  // "line:col: message"
};

Parsed parse(const std::string& text, ToolConfig base = {}) {
  Parsed p;
  p.cfg = std::move(base);
  std::vector<Finding> errors = parse_tool_config(text, "/repo/.tcptune.toml", "/repo", "/", p.cfg);
  for (const Finding& f : errors) {
    CHECK(f.code == "TT0002");
    CHECK(f.invalid_input);
    CHECK(f.file == "/repo/.tcptune.toml");
    p.errors.push_back(std::to_string(f.line) + ":" + std::to_string(f.column) + ": " + f.message);
  }
  return p;
}

}  // namespace

TEST_CASE("tool config: every setting, with its position") {
  Parsed p = parse(
      "kernel = \"6.1\"\nsemantics = \"procps\"\nexclude = [\"TT4005\", \"TT4001,TT4003\"]\n"
      "include = \"TT2003\"\nseverity = \"warning\"\nfail-on = \"error\"\n");
  CHECK(p.errors.empty());
  REQUIRE(p.cfg.kernel);
  CHECK(p.cfg.kernel->value == "6.1");
  CHECK(p.cfg.kernel->line == 1);
  CHECK(p.cfg.kernel->column == 10);
  CHECK(p.cfg.semantics->value == "procps");
  REQUIRE(p.cfg.exclude);
  REQUIRE(p.cfg.exclude->size() == 3);
  CHECK((*p.cfg.exclude)[2].value == "TT4003");
  CHECK((*p.cfg.exclude)[2].line == 3);
  CHECK(p.cfg.include->at(0).value == "TT2003");
  CHECK(p.cfg.severity->value == "warning");
  CHECK(p.cfg.fail_on->value == "error");
  CHECK(p.cfg.files == std::vector<std::string>{"/repo/.tcptune.toml"});
}

TEST_CASE("tool config: overrides make patterns absolute (relative to the file, or the root)") {
  std::vector<Finding> errors;
  ToolConfig cfg;
  append(errors,
         parse_tool_config(
             "[[overrides]]\npaths = [\"etc/sysctl.d/50-*.conf\", \"/etc/sysctl.conf\", "
             "\"../x/./y\"]\n"
             "severity = \"error\"\nexclude = [\"TT4001\"]\n[[overrides]]\npaths = [\"a\"]\n"
             "include = [\"TT2003\"]\n",
             "/repo/.tcptune.toml", "/repo", "/srv/image", cfg));
  CHECK(errors.empty());
  REQUIRE(cfg.overrides.size() == 2);
  CHECK(cfg.overrides[0].patterns == std::vector<std::string>{"/repo/etc/sysctl.d/50-*.conf",
                                                              "/srv/image/etc/sysctl.conf",
                                                              "/x/y"});
  CHECK(cfg.overrides[0].severity->value == "error");
  CHECK(cfg.overrides[0].exclude->at(0).value == "TT4001");
  CHECK_FALSE(cfg.overrides[0].include);
  CHECK(cfg.overrides[1].include->at(0).value == "TT2003");
}

TEST_CASE("tool config: a later file wins setting by setting; overrides add up") {
  Parsed sys = parse("kernel = \"5.15\"\nfail-on = \"error\"\n[[overrides]]\npaths = [\"a\"]\n");
  Parsed both = parse("kernel = \"6.1\"\n[[overrides]]\npaths = [\"b\"]\n", sys.cfg);
  CHECK(both.errors.empty());
  CHECK(both.cfg.kernel->value == "6.1");
  CHECK(both.cfg.fail_on->value == "error");
  CHECK(both.cfg.overrides.size() == 2);
  CHECK(both.cfg.files.size() == 2);
}

TEST_CASE("tool config: errors name line and column, and keep going") {
  Parsed p = parse(
      "kernal = \"6.1\"\nsemantics = \"busybox\"\nseverity = 3\nfail-on = \"fatal\"\n"
      "exclude = [\"TT4005\", \"4001\"]\nkernel = \"six\"\n[[overrides]]\nexclude = [\"TT4001\"]\n"
      "[[overrides]]\npaths = []\n[[overrides]]\npaths = [\"x\"]\nseverty = \"error\"\n");
  CHECK(p.errors ==
        std::vector<std::string>{
            "1:1: unknown setting 'kernal'; did you mean 'kernel'? (kernel, semantics, exclude, "
            "include, severity, fail-on, overrides)",
            "6:10: 'kernel' must be a version like 5.15 or 6.1.12 (got 'six')",
            "2:13: 'semantics' must be systemd or procps (got 'busybox')",
            "3:12: 'severity' must be a string",
            "4:11: 'fail-on' must be error, warning or info (got 'fatal')",
            "5:22: 'exclude': '4001' is not a code like TT4005 (see tcptune rules)",
            "7:1: [[overrides]] needs 'paths', the files it applies to",
            "10:9: 'paths' must be a non-empty array of file patterns",
            "13:1: unknown setting 'severty' in [[overrides]]; did you mean 'severity'? (paths, "
            "exclude, include, severity)"});
  CHECK_FALSE(p.cfg.semantics);
  CHECK_FALSE(p.cfg.kernel);
  CHECK(p.cfg.overrides.size() == 1);
}

TEST_CASE("tool config: a TOML syntax error is one TT0002 at its position") {
  Parsed p = parse("kernel = \"6.1\nfail-on = \"error\"\n");
  REQUIRE(p.errors.size() == 1);
  CHECK(p.errors[0].rfind("1:14: TOML syntax error: ", 0) == 0);
  CHECK(p.cfg.files.empty());
  CHECK(parse("overrides = 3\n").errors ==
        std::vector<std::string>{"1:13: 'overrides' must be an array of tables ([[overrides]])"});
  CHECK(parse("").errors.empty());
}
