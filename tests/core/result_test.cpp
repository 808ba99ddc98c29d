#include "core/result.hpp"

#include <cerrno>
#include <string>

#include <doctest/doctest.h>

using namespace tcptune;

namespace {

Result<int> parse_small(int v) {
  if (v > 9) return SysError{ERANGE, "v", "above 9"};
  return v;
}

// TCPTUNE_TRY returns the error of the first failing step; later steps do not run.
Result<void> both(int a, int b, int& steps) {
  TCPTUNE_TRY(parse_small(a));
  ++steps;
  TCPTUNE_TRY(parse_small(b));
  ++steps;
  return {};
}

Result<int, std::string> named(bool ok) {
  if (!ok) return std::string("unknown profile 'x'");
  return 80;
}

}  // namespace

TEST_CASE("Result: a value or an error, and the void form") {
  Result<int> a = parse_small(3);
  REQUIRE(a.ok());
  CHECK(a.value() == 3);
  Result<int> b = parse_small(12);
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().err == ERANGE);
  CHECK(b.error().message().find("above 9") != std::string::npos);

  int steps = 0;
  CHECK(both(1, 2, steps).ok());
  CHECK(steps == 2);
  steps = 0;
  Result<void> r = both(1, 20, steps);
  REQUIRE_FALSE(r.ok());
  CHECK(steps == 1);
  CHECK(r.error().path == "v");
  steps = 0;
  CHECK_FALSE(both(30, 2, steps).ok());
  CHECK(steps == 0);

  // A message as the error, where the caller only shows it.
  CHECK(named(true).value() == 80);
  CHECK(named(false).error() == "unknown profile 'x'");
}
