#include "core/name_index.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/catalog.hpp"
#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"
#include "test_support.hpp"

using namespace tcptune;

namespace {

// The optimal-string-alignment distance by the whole table: the reference the bounded,
// bit-parallel and filtered searches must agree with.
std::size_t full_osa(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string_view top_of(std::string_view n) { return n.substr(0, n.find('.')); }

bool is_placeholder(std::string_view s) {
  return s.size() > 2 && s.front() == '<' && s.back() == '>';
}

// Catalog::suggest written the plain way, from the catalog's public maps: every candidate's
// whole distance, no length window, no character counts, no early exit.
struct Family {
  std::vector<std::string> dir;
  std::vector<std::string> leaves;
};

std::vector<Family> families_of(const Catalog& c) {
  std::vector<Family> out;
  for (const auto& [path, info] : c.patterns()) {
    std::vector<std::string_view> parts = split(path, '/');
    std::size_t last = 0;
    for (std::size_t i = 0; i < parts.size(); ++i)
      if (is_placeholder(parts[i])) last = i;
    std::vector<std::string> dir(parts.begin(),
                                 parts.begin() + static_cast<std::ptrdiff_t>(last + 1));
    std::string leaf;
    for (std::size_t i = last + 1; i < parts.size(); ++i) {
      if (!leaf.empty()) leaf += '/';
      leaf += parts[i];
    }
    auto f = std::find_if(out.begin(), out.end(), [&](const Family& x) { return x.dir == dir; });
    if (f == out.end()) {
      out.push_back({dir, {}});
      f = std::prev(out.end());
    }
    f->leaves.push_back(leaf);
  }
  return out;
}

std::string reference_suggest(const Catalog& c, const std::vector<Family>& families,
                              const std::string& key) {
  const std::string path = normalize_key(key).path;
  const std::vector<std::string_view> parts = split(path, '/');
  // 1. The key's own family (the first whose directory it is in): its leaf against the
  //    family's leaves, the user's directory kept.
  for (const Family& f : families) {
    if (parts.size() <= f.dir.size()) continue;
    bool in = true;
    std::size_t dir_len = 0;
    for (std::size_t i = 0; i < f.dir.size() && in; ++i) {
      in = !parts[i].empty() && (is_placeholder(f.dir[i]) || parts[i] == f.dir[i]);
      dir_len += parts[i].size() + 1;
    }
    if (!in || dir_len >= path.size()) continue;
    const std::string leaf = path.substr(dir_len);
    const std::size_t allowed = suggestion_distance(leaf.size());
    std::size_t best = std::numeric_limits<std::size_t>::max();
    std::string best_leaf;
    for (const std::string& l : f.leaves) {
      if (l == leaf) continue;
      std::size_t d = full_osa(leaf, l);
      if (d <= allowed && d < best) {
        best = d;
        best_leaf = l;
      }
    }
    if (!best_leaf.empty()) return path_to_key(path.substr(0, dir_len) + best_leaf);
    break;
  }
  // 2. Every family's leaves under the user's names for its placeholders, whole paths
  //    compared; a leaf shorter than the rest of the user's path by more than the bound is not
  //    a candidate.
  {
    const std::size_t allowed = suggestion_distance(path.size());
    std::size_t best = std::numeric_limits<std::size_t>::max();
    std::string best_path;
    for (const Family& f : families) {
      if (f.dir.size() >= parts.size()) continue;
      std::string dir;
      std::size_t user_dir = 0;
      for (std::size_t i = 0; i < f.dir.size(); ++i) {
        dir += is_placeholder(f.dir[i]) ? std::string(parts[i]) : f.dir[i];
        dir += '/';
        user_dir += parts[i].size() + 1;
      }
      const std::size_t rest = path.size() - user_dir;
      for (const std::string& leaf : f.leaves) {
        if (leaf.size() + allowed < rest) continue;
        const std::string cand = dir + leaf;
        if (cand == path) continue;
        std::size_t d = full_osa(path, cand);
        if (d <= allowed && d < best) {
          best = d;
          best_path = cand;
        }
      }
    }
    if (!best_path.empty()) return path_to_key(best_path);
  }
  // 3. Every exact key with the same first component; the closest, then the shorter, then the
  //    first in byte order.
  const std::size_t allowed = suggestion_distance(key.size());
  std::size_t best = std::numeric_limits<std::size_t>::max();
  std::string best_name;
  for (const auto& [p, info] : c.all()) {
    const std::string& name = info.name;
    if (top_of(name) != top_of(key) || name == key) continue;
    std::size_t d = full_osa(key, name);
    if (d > allowed) continue;
    if (d < best || (d == best && (name.size() < best_name.size() ||
                                   (name.size() == best_name.size() && name < best_name)))) {
      best = d;
      best_name = name;
    }
  }
  return best_name;
}

// One to three random edits: substitution, insertion, deletion, transposition.
std::string typo(std::string s, std::mt19937& rng) {
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_.";
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  std::size_t edits = 1 + pick(3);
  for (std::size_t e = 0; e < edits && !s.empty(); ++e) {
    std::size_t at = pick(s.size());
    switch (pick(4)) {
      case 0:
        s[at] = alphabet[pick(alphabet.size())];
        break;
      case 1:
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), alphabet[pick(alphabet.size())]);
        break;
      case 2:
        s.erase(at, 1);
        break;
      default:
        if (at + 1 < s.size()) std::swap(s[at], s[at + 1]);
    }
  }
  return s;
}

}  // namespace

TEST_CASE("did you mean: the same answers as the whole search, on the shipped catalog") {
  const Catalog& c = tcptune::test::shipped_keys();
  const std::vector<Family> families = families_of(c);
  std::vector<std::string> keys = {
      // Lint asks only for names the catalog does not have; these are the cases seen so far.
      "net.ipv6.conf.default.accept_redirect",
      "net.ipv6.conf.eth0.accept_redirect",
      "net.ipv4.conf.eth0/100.rp_filtr",
      "net.ipv4.conff.lo.rp_filter",
      "net.ipv4.tcp_tw_recyle",
      "net.ipv4.tcp_tw_resue",
      "net.ipv4.tcp_keepalivq_time",
      "kernel.sched_cfs_bandwidth_slice_u",
      "kernel.prinkt",
      "vm.printk",
      "kernel.completely_different",
      "net",
      "net.",
      "x.y",
  };
  std::mt19937 rng(19);
  for (const auto& [path, info] : c.all()) {
    keys.push_back(typo(info.name, rng));
    if (keys.size() % 3 == 0) keys.push_back(typo(typo(info.name, rng), rng));
  }
  for (const auto& [path, info] : c.patterns()) {
    for (const char* iface : {"eth0", "default", "br-lan.10"}) {
      std::string with = path;
      std::size_t lt = 0;
      while ((lt = with.find('<')) != std::string::npos)
        with.replace(lt, with.find('>', lt) - lt + 1, iface);
      keys.push_back(typo(path_to_key(with), rng));
    }
  }
  std::size_t differ = 0;
  std::size_t answered = 0;
  for (const std::string& k : keys) {
    std::string want = reference_suggest(c, families, k);
    std::string got = c.suggest(k);
    answered += want.empty() ? 0 : 1;
    if (got != want) {
      ++differ;
      INFO("key ", k);
      CHECK(got == want);
    }
  }
  CHECK(differ == 0);
  // The cases are not all trivially empty.
  CHECK(answered > keys.size() / 2);

  // The real cases: an IPv6 key stays IPv6 (its own family is searched first), and a key the
  // catalog has (by its pattern) is never given a suggestion by lint, which asks find() first.
  CHECK(c.suggest("net.ipv6.conf.default.accept_redirect") ==
        "net.ipv6.conf.default.accept_redirects");
  CHECK(c.find("net/ipv6/conf/default/accept_redirects") != nullptr);
  CHECK(c.find("net/ipv4/conf/default/accept_redirects") != nullptr);
  CHECK(c.suggest("net.ipv4.tcp_keepalivq_time") == "net.ipv4.tcp_keepalive_time");
}

TEST_CASE("NameIndex: closest name by distance, then length, then bytes") {
  NameIndex idx({"net.b.ccc", "net.a.ccc", "net.a.cc", "kernel.x", "net", "net.a.cccc"});
  CHECK(idx.size() == 6);
  CHECK(idx.closest("net.a.ccd", 2) == "net.a.cc");   // distance 1 to three: the shortest
  CHECK(idx.closest("net.a.ccc", 2) == "net.a.cc");   // itself is never the answer
  CHECK(idx.closest("net.c.ccc", 1) == "net.a.ccc");  // one of two at 1, the first in bytes
  CHECK(idx.closest("net.x", 2) == "net");            // the first component alone is a name
  CHECK(idx.closest("kernel.y", 1) == "kernel.x");
  CHECK(idx.closest("kernal.x", 2) == "");  // another first component: never
  CHECK(idx.closest("net.zzzzzz", 2) == "");
  CHECK(NameIndex().closest("net.a", 2) == "");
}

TEST_CASE("bounded edit distance agrees with the whole table") {
  std::mt19937 rng(7);
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  std::size_t checked = 0;
  for (int t = 0; t < 20000; ++t) {
    // Small alphabets make transpositions and repeats common; some words pass 64 characters
    // (the bit-parallel form holds 64).
    const std::size_t alphabet = 2 + pick(4);
    auto word = [&](std::size_t max_len) {
      std::string s(pick(max_len + 1), 'a');
      for (char& ch : s) ch = static_cast<char>('a' + pick(alphabet));
      return s;
    };
    const std::size_t max_len = t % 10 == 0 ? 90 : 12;
    std::string a = word(max_len);
    std::string b = t % 2 == 0 ? word(max_len) : typo(a, rng);
    const std::size_t want = full_osa(a, b);
    CHECK(edit_distance(a, b) == want);
    for (std::size_t limit : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3},
                              std::size_t{5}, std::size_t{100}}) {
      std::size_t got = edit_distance_within(a, b, limit);
      if (want <= limit) {
        CHECK(got == want);
      } else {
        CHECK(got > limit);
      }
      ++checked;
    }
  }
  CHECK(checked == 120000);
}
