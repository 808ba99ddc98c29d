#include "engine/finding_filter.hpp"

#include <doctest/doctest.h>

using namespace tcptune;

namespace {

Finding finding(const char* code, Severity s, const char* file = "") {
  Finding f;
  f.code = code;
  f.severity = s;
  f.file = file;
  return f;
}

std::vector<std::string> codes(const std::vector<Finding>& fs) {
  std::vector<std::string> out;
  for (const Finding& f : fs) out.push_back(f.code + "@" + f.file);
  return out;
}

const std::vector<Finding>& sample() {
  static const std::vector<Finding> s{
      finding("TT2003", Severity::error, "etc/sysctl.d/50-vendor.conf"),
      finding("TT4005", Severity::warning, "etc/sysctl.d/50-vendor.conf"),
      finding("TT4001", Severity::warning, "etc/sysctl.d/60-app.conf"),
      finding("TT5006", Severity::info, "/abs/etc/sysctl.d/60-app.conf"),
      finding("TT6014", Severity::warning),
  };
  return s;
}

}  // namespace

TEST_CASE("finding filter: severity, include and exclude") {
  DisplayFilter f;
  f.cwd = "/repo";
  CHECK(filter_findings(sample(), f).size() == 5);
  f.base.min_severity = Severity::warning;
  CHECK(codes(filter_findings(sample(), f)) ==
        std::vector<std::string>{"TT2003@etc/sysctl.d/50-vendor.conf",
                                 "TT4005@etc/sysctl.d/50-vendor.conf",
                                 "TT4001@etc/sysctl.d/60-app.conf", "TT6014@"});
  f.base.include = {"TT4005", "TT6014"};
  f.base.exclude = {"TT6014"};
  CHECK(codes(filter_findings(sample(), f)) ==
        std::vector<std::string>{"TT4005@etc/sysctl.d/50-vendor.conf"});
}

TEST_CASE("finding filter: per-path settings on absolute paths; later matches win") {
  DisplayFilter f;
  f.cwd = "/repo";
  PathFilter vendor;
  vendor.patterns = {"/repo/etc/sysctl.d/50-*.conf"};
  vendor.min_severity = Severity::error;
  PathFilter app;
  app.patterns = {"/abs/*/60-app.conf", "/repo/etc/sysctl.d/60-app.conf"};
  app.exclude = {"TT4001"};
  f.paths = {vendor, app};
  CHECK(codes(filter_findings(sample(), f)) ==
        std::vector<std::string>{"TT2003@etc/sysctl.d/50-vendor.conf",
                                 "TT5006@/abs/etc/sysctl.d/60-app.conf", "TT6014@"});
  // A later override's severity replaces the earlier one's; its include replaces the base's.
  PathFilter all;
  all.patterns = {"/repo/*"};
  all.min_severity = Severity::info;
  all.include = std::set<std::string>{"TT4005"};
  f.paths.push_back(all);
  CHECK(codes(filter_findings(sample(), f)) ==
        std::vector<std::string>{"TT4005@etc/sysctl.d/50-vendor.conf",
                                 "TT5006@/abs/etc/sysctl.d/60-app.conf", "TT6014@"});
}

TEST_CASE("finding filter: malformed input is always shown") {
  DisplayFilter f;
  f.base.min_severity = Severity::error;
  f.base.include = {"TT2003"};
  Finding bad = finding("TT1001", Severity::warning, "x.conf");
  bad.invalid_input = true;
  CHECK(shown(f, bad));
  CHECK_FALSE(shown(f, finding("TT1006", Severity::warning, "x.conf")));
}

TEST_CASE("absolute_file") {
  CHECK(absolute_file("./etc/../etc/x.conf", "/repo") == "/repo/etc/x.conf");
  CHECK(absolute_file("/a//b", "/repo") == "/a/b");
  CHECK(absolute_file("", "/repo").empty());
}
