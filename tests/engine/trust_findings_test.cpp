// Trust findings: config/ records who can write the configuration as facts; the lint engine
// words them as TT5008/TT5009 with the catalog's severity.
#include "engine/trust_findings.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace tcptune;

namespace {

TrustProblem problem(TrustProblem::Target target, TrustProblem::Reason reason) {
  TrustProblem t;
  t.target = target;
  t.reason = reason;
  t.path = "/tmp/tree/etc/sysctl.d";
  t.config_dir = "/etc/sysctl.d";
  t.mode = 0777;
  t.uid = 1000;
  t.gid = 1000;
  return t;
}

}  // namespace

TEST_CASE(
    "trust findings: each recorded problem becomes its code, worded, with the catalog's "
    "severity") {
  ConfigSet set;
  set.trust.push_back(
      problem(TrustProblem::Target::directory, TrustProblem::Reason::writable_by_all));
  TrustProblem group = problem(TrustProblem::Target::file, TrustProblem::Reason::writable_by_group);
  group.path = "/tmp/tree/etc/sysctl.d/90-x.conf";
  group.mode = 0664;
  set.trust.push_back(group);
  TrustProblem owner = problem(TrustProblem::Target::file, TrustProblem::Reason::foreign_owner);
  owner.path = "/tmp/tree/etc/sysctl.conf";
  owner.mode = 0644;
  set.trust.push_back(owner);

  std::vector<Finding> f = trust_findings(set, test::shipped_checks());
  REQUIRE(f.size() == 3);
  CHECK(f[0].code == "TT5008");
  CHECK(f[0].file == "/tmp/tree/etc/sysctl.d");
  CHECK(f[0].message ==
        "directory is writable by every user (mode 0777): that user could add or replace files "
        "in /etc/sysctl.d that are applied as root at boot");
  CHECK(f[1].code == "TT5009");
  CHECK(f[1].message ==
        "file is writable by group 1000 (mode 0664): its settings are applied as root at boot");
  CHECK(f[2].message ==
        "file is owned by uid 1000, not root: its settings are applied as root "
        "at boot");
  for (const Finding& x : f) CHECK(x.severity == test::shipped_checks().find(x.code)->severity);

  // The severity is the catalog's, not a constant of the code.
  CheckCatalog errors;
  CheckInfo info;
  info.code = "TT5009";
  info.severity = Severity::error;
  errors.add(info);
  std::vector<Finding> g = trust_findings(set, errors);
  CHECK(g[1].severity == Severity::error);
  CHECK(g[0].severity == Severity::warning);  // TT5008 not in that catalog: the default
}

TEST_CASE("trust findings: nothing recorded, nothing found") {
  CHECK(trust_findings(ConfigSet{}, test::shipped_checks()).empty());
}
