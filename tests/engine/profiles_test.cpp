#include "engine/profiles.hpp"
#include "core/text_util.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tcptune {

namespace {

Profile make(const std::string& name, const std::string& extends, const std::string& key = "",
             const std::string& value = "") {
  Profile p;
  p.name = name;
  p.extends = extends;
  p.file = "/etc/tcptune/profiles/" + name + ".toml";
  p.line = 1;
  if (!key.empty()) {
    ProfileSetting s;
    s.key = key;
    s.path = key;
    s.value = value;
    s.profile = name;
    p.settings.push_back(s);
  }
  return p;
}

// Every profile's chain error is what resolve_profile() says for it.
void check_same_as_resolve(const std::vector<Profile>& ps) {
  std::vector<ChainError> errors = check_profile_chains(ps);
  std::size_t next = 0;
  for (const Profile& p : ps) {
    CAPTURE(p.name);
    auto r = resolve_profile(p.name, ps);
    if (!r.ok()) {
      REQUIRE(next < errors.size());
      CHECK(errors[next].profile == &p);
      CHECK(errors[next].message == r.error());
      ++next;
    }
  }
  CHECK(next == errors.size());
}

}  // namespace

TEST_CASE("a chain of 3000 profiles resolves, in the right order, and checks clean") {
  const int n = 3000;
  std::vector<Profile> ps;
  ps.push_back(make("p0", "", "net.core.somaxconn", "0"));
  // Listed deepest first, so that every lookup of a parent has to search.
  std::vector<Profile> rest;
  for (int i = 1; i < n; ++i) {
    rest.push_back(make(tcptune::cat("p", std::to_string(i)),
                        tcptune::cat("p", std::to_string(i - 1)),
                        i % 2 == 0 ? "net.core.somaxconn" : tcptune::cat("k", std::to_string(i)),
                        std::to_string(i)));
  }
  ps.insert(ps.begin(), rest.rbegin(), rest.rend());
  CHECK(check_profile_chains(ps).empty());
  auto r = resolve_profile("p2999", ps);
  REQUIRE(r.ok());
  const ResolvedProfile& rp = r.value();
  REQUIRE(rp.chain.size() == static_cast<std::size_t>(n));
  CHECK(rp.chain.front() == "p2999");
  CHECK(rp.chain.back() == "p0");
  // somaxconn from the deepest profile that sets it (p2998), one setting per key.
  CHECK(rp.settings.size() == 1 + static_cast<std::size_t>(n) / 2);
  for (const ProfileSetting& s : rp.settings) {
    if (s.key == "net.core.somaxconn") CHECK(s.value == "2998");
  }
}

TEST_CASE("chain errors: unknown parents and loops, also reached through long tails") {
  std::vector<Profile> ps;
  ps.push_back(make("base", ""));
  ps.push_back(make("ok", "base"));
  ps.push_back(make("orphan", "missing"));
  for (int i = 0; i < 500; ++i)  // a long tail into the unknown parent
    ps.push_back(make(tcptune::cat("t", std::to_string(i)),
                      i == 0 ? "orphan" : tcptune::cat("t", std::to_string(i - 1))));
  ps.push_back(make("a", "b"));  // a loop a -> b -> c -> a
  ps.push_back(make("b", "c"));
  ps.push_back(make("c", "a"));
  ps.push_back(make("into", "tail"));  // into -> tail -> b (joins the loop at b)
  ps.push_back(make("tail", "b"));
  ps.push_back(make("self", "self"));
  ps.push_back(make("ok", "self"));  // a duplicate name stands for the first one (fine)
  std::vector<ChainError> errors = check_profile_chains(ps);
  CHECK(errors.size() == 1 + 500 + 3 + 2 + 1);
  check_same_as_resolve(ps);
  // The texts name the profile with the bad link, and the loop's entry.
  CHECK(resolve_profile("t499", ps).error() ==
        "profile 'orphan' (/etc/tcptune/profiles/orphan.toml:1) extends unknown profile "
        "'missing'");
  CHECK(resolve_profile("into", ps).error() ==
        "profile 'into' extends a cycle: into -> tail -> b -> c -> a -> b "
        "(/etc/tcptune/profiles/b.toml)");
  CHECK(resolve_profile("a", ps).error() ==
        "profile 'a' extends itself: a -> b -> c -> a (/etc/tcptune/profiles/a.toml)");
  CHECK(resolve_profile("self", ps).error() ==
        "profile 'self' extends itself: self -> self (/etc/tcptune/profiles/self.toml)");
}

}  // namespace tcptune
