// rules/services.toml: the shipped table loads, and malformed tables are TT0001 findings with
// the line of the bad field.

#include <doctest/doctest.h>

#include "config/catalog_loader.hpp"
#include "test_support.hpp"

using namespace tcptune;

TEST_CASE("services: the shipped table loads, with a fix for every service") {
  Catalog c;
  std::vector<Finding> errors =
      load_services(test::data_file("rules/services.toml"), "rules/services.toml", c);
  for (const Finding& e : errors) FAIL_CHECK(e.line << ": " << e.message);
  REQUIRE(c.service(3306) != nullptr);
  CHECK(c.service(3306)->kind == "database");
  CHECK(c.service(9000)->kind == "fastcgi");
  CHECK(c.service(9000)->fix.find("fastcgi_keep_conn") != std::string::npos);
  CHECK(c.service(443)->kind == "web");
  CHECK(c.service(1) == nullptr);
  CHECK_FALSE(c.kind_fix("other").empty());
  for (const Service& s : c.services()) CHECK_FALSE(s.fix.empty());
}

TEST_CASE("services: malformed tables are reported with their line") {
  const char* text =
      "[[kind]]\nname = \"database\"\nfix = \"pool\"\n\n"
      "[[service]]\nport = 3306\nname = \"MySQL\"\nkind = \"database\"\n\n"
      "[[service]]\nport = 3306\nname = \"again\"\nkind = \"database\"\n\n"
      "[[service]]\nport = 70000\nname = \"big\"\nkind = \"database\"\n\n"
      "[[service]]\nport = 5432\nname = \"PostgreSQL\"\nkind = \"dbase\"\n";
  Catalog c;
  std::vector<Finding> errors = load_services(text, "services.toml", c);
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].line == 11);
  CHECK(errors[0].message.find("duplicate port 3306") != std::string::npos);
  CHECK(errors[1].line == 16);
  CHECK(errors[2].line == 23);
  CHECK(errors[2].message.find("unknown kind 'dbase'") != std::string::npos);
  CHECK(c.services().size() == 1);
}
