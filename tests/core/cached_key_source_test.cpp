#include "core/cached_key_source.hpp"

#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace tcptune;
using tcptune::test::FakeKeySource;

namespace {

// Counts what reaches the wrapped source.
class Counting final : public KeySource {
 public:
  explicit Counting(const KeySource& inner) : m_inner(inner) {}
  KeyRead read(std::string_view p) const override {
    ++reads;
    return m_inner.read(p);
  }
  bool exists(std::string_view p) const override {
    ++exists_calls;
    return m_inner.exists(p);
  }
  std::vector<std::string> list(std::string_view d) const override {
    ++lists;
    return m_inner.list(d);
  }
  std::vector<std::string> glob(std::string_view p, std::size_t limit) const override {
    ++globs;
    return m_inner.glob(p, limit);
  }
  mutable int reads = 0;
  mutable int exists_calls = 0;
  mutable int lists = 0;
  mutable int globs = 0;

 private:
  const KeySource& m_inner;
};

}  // namespace

TEST_CASE("CachedKeySource asks once per path and gives the same answers") {
  FakeKeySource fake{{"net/ipv4/tcp_fin_timeout", "60"},
                     {"net/ipv4/conf/eth0/rp_filter", "1"},
                     {"net/ipv4/conf/lo/rp_filter", "0"}};
  Counting inner(fake);
  int mode_tests = 0;
  CachedKeySource cached(inner, [&](const std::string& p) {
    ++mode_tests;
    return p != "net/ipv4/conf/lo/rp_filter";
  });
  for (int i = 0; i < 3; ++i) {
    KeyRead r = cached.read("net/ipv4/tcp_fin_timeout");
    CHECK(r.status == KeyStatus::value);
    CHECK(r.value == "60");
    CHECK(cached.read("net/ipv4/nope").status == KeyStatus::absent);
    CHECK(cached.exists("net/ipv4/tcp_fin_timeout"));
    CHECK_FALSE(cached.exists("net/ipv4/nope"));
    CHECK(cached.list("net/ipv4/conf") == fake.list("net/ipv4/conf"));
    CHECK(cached.glob("net/ipv4/conf/*/rp_filter", 100000).size() == 2);
    CHECK(cached.writable("net/ipv4/conf/eth0/rp_filter"));
    CHECK_FALSE(cached.writable("net/ipv4/conf/lo/rp_filter"));
  }
  CHECK(inner.reads == 2);
  // net/ipv4/nope: its directory's listing lacks it, so the wrapped source is not asked.
  CHECK(inner.exists_calls == 1);
  CHECK(inner.lists == 2);  // net/ipv4/conf, and net/ipv4 for the missing key
  CHECK(inner.globs == 1);
  CHECK(mode_tests == 2);
  // Another limit is another question.
  CHECK(cached.glob("net/ipv4/conf/*/rp_filter", 1).size() == 1);
  CHECK(inner.globs == 2);
  // Without a mode test every key is writable.
  CachedKeySource open(fake);
  CHECK(open.writable("net/ipv4/conf/lo/rp_filter"));
}

TEST_CASE("CachedKeySource: a missing key is told from the listings, without asking for it") {
  FakeKeySource fake{{"net/ipv4/tcp_fin_timeout", "60"},
                     {"net/ipv4/conf/eth0/rp_filter", "1"},
                     {"kernel/pid_max", "4194304"}};
  Counting inner(fake);
  CachedKeySource cached(inner);
  // Misspelt keys in one directory: one listing, no per-key question.
  for (const char* p : {"net/ipv4/tcp_fin_timout", "net/ipv4/tcp_fni_timeout", "net/ipv4/x"})
    CHECK_FALSE(cached.exists(p));
  CHECK(inner.exists_calls == 0);
  CHECK(inner.lists == 1);
  // An interface that does not exist: its directory lists nothing, its parent's listing lacks
  // it; the parent's listing is made once for every key below it.
  for (const char* p : {"net/ipv4/conf/if1/rp_filter", "net/ipv4/conf/if1/accept_local",
                        "net/ipv4/conf/if2/rp_filter"})
    CHECK_FALSE(cached.exists(p));
  CHECK(inner.exists_calls == 0);
  // A key that is there, a directory named as a key, and paths the listings cannot judge
  // (top-level names, '..', empty components) are asked of the wrapped source.
  CHECK(cached.exists("net/ipv4/conf/eth0/rp_filter"));
  CHECK_FALSE(cached.exists("net/ipv4/conf"));
  CHECK_FALSE(cached.exists("nope"));
  CHECK_FALSE(cached.exists("net/ipv4/../ipv4/x"));
  CHECK_FALSE(cached.exists("net//ipv4/y"));
  CHECK(inner.exists_calls == 5);
  // A directory the wrapped source cannot list (empty), under a top that lists nothing either:
  // asked.
  FakeKeySource bare{};
  Counting none(bare);
  CachedKeySource c2(none);
  CHECK_FALSE(c2.exists("net/ipv4/tcp_fin_timeout"));
  CHECK(none.exists_calls == 1);
}
