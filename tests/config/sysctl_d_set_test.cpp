#include "config/sysctl_d_set.hpp"

#include <doctest/doctest.h>

#include "sys/root_fs.hpp"
#include "test_support.hpp"

using namespace tcptune;
using tcptune::test::FakeKeySource;
using tcptune::test::make_set;

namespace {

std::vector<std::string> applied(const ConfigSet& set) {
  std::vector<std::string> out;
  for (const ConfigFile& f : set.files) {
    if (f.role == FileRole::active) out.push_back(f.path + (f.tail ? " (tail)" : ""));
  }
  return out;
}

std::string winner(const ConfigSet& set, const Resolution& r, const std::string& path) {
  auto it = r.keys.find(path);
  if (it == r.keys.end()) return "<unset>";
  return it->second.value + " @" +
         set.files[static_cast<std::size_t>(it->second.winner.file)].path + ":" +
         std::to_string(entry_of(set, it->second.winner).line);
}

}  // namespace

TEST_CASE("same name: the first directory wins; masking; order by name across directories") {
  std::vector<CandidateFile> c{{"/usr/lib/sysctl.d", "30-same.conf", false, ""},
                               {"/etc/sysctl.d", "30-same.conf", false, ""},
                               {"/usr/lib/sysctl.d", "40-masked.conf", false, ""},
                               {"/etc/sysctl.d", "40-masked.conf", true, "/dev/null"},
                               {"/usr/lib/sysctl.d", "20-b.conf", false, ""},
                               {"/run/sysctl.d", "15-run.conf", false, ""},
                               {"/etc/sysctl.d", "10-a.conf", false, ""},
                               {"/usr/local/lib/sysctl.d", "05-glob.conf", false, ""}};
  std::vector<ConfigFile> files = order_candidates(c, sysctl_d_directories(Semantics::systemd));
  std::vector<std::string> got;
  for (const auto& f : files) {
    std::string role = f.role == FileRole::active
                           ? "active"
                           : (f.role == FileRole::masked ? "masked" : "overridden");
    got.push_back(f.path + " " + role + (f.by.empty() ? "" : " by " + f.by));
  }
  CHECK(got == std::vector<std::string>{
                   "/usr/local/lib/sysctl.d/05-glob.conf active",
                   "/etc/sysctl.d/10-a.conf active",
                   "/run/sysctl.d/15-run.conf active",
                   "/usr/lib/sysctl.d/20-b.conf active",
                   "/etc/sysctl.d/30-same.conf active",
                   "/usr/lib/sysctl.d/30-same.conf overridden by /etc/sysctl.d/30-same.conf",
                   "/etc/sysctl.d/40-masked.conf masked",
                   "/usr/lib/sysctl.d/40-masked.conf masked by /etc/sysctl.d/40-masked.conf",
               });
  CHECK(files[0].admin == false);
  CHECK(files[1].admin == true);
  CHECK(files[2].admin == true);  // /run is the administrator's (runtime) too
}

TEST_CASE("the later assignment wins, across files and within a file") {
  ConfigSet set = make_set({{"/etc/sysctl.d", "10-a.conf", "a.b = 1\na.b = 2\n"},
                            {"/usr/lib/sysctl.d", "20-b.conf", "a.b = 3\nc.d = 4\n"}});
  Resolution r = resolve_config(set, nullptr);
  CHECK(winner(set, r, "a/b") == "3 @/usr/lib/sysctl.d/20-b.conf:1");
  CHECK(r.keys.at("a/b").shadowed.size() == 2);
  CHECK(winner(set, r, "c/d") == "4 @/usr/lib/sysctl.d/20-b.conf:2");
}

TEST_CASE(
    "systemd: an explicit assignment beats any glob; -key excludes; glob exclusions do nothing") {
  FakeKeySource live{{"net/ipv4/conf/all/rp_filter", "0"},
                     {"net/ipv4/conf/default/rp_filter", "0"},
                     {"net/ipv4/conf/lo/rp_filter", "0"},
                     {"net/ipv4/conf/eth0/rp_filter", "0"}};
  ConfigSet set = make_set({{"/usr/lib/sysctl.d", "50-default.conf",
                             "net.ipv4.conf.*.rp_filter = "
                             "2\n-net.ipv4.conf.all.rp_filter\n-net.ipv4.conf.e*.rp_filter\n"},
                            {"/etc/sysctl.d", "10-lo.conf", "net.ipv4.conf.lo.rp_filter = 1\n"}});
  Resolution r = resolve_config(set, &live);
  CHECK(winner(set, r, "net/ipv4/conf/lo/rp_filter") ==
        "1 @/etc/sysctl.d/10-lo.conf:1");  // earlier file, still wins
  CHECK(winner(set, r, "net/ipv4/conf/default/rp_filter") ==
        "2 @/usr/lib/sysctl.d/50-default.conf:1");
  CHECK(winner(set, r, "net/ipv4/conf/all/rp_filter") == "<unset>");
  CHECK(winner(set, r, "net/ipv4/conf/eth0/rp_filter") == "2 @/usr/lib/sysctl.d/50-default.conf:1");
  CHECK(r.keys.at("net/ipv4/conf/default/rp_filter").from_glob);
}

TEST_CASE("procps: globs skip keys assigned or excluded anywhere, before or after the glob") {
  // Checked with procps 4.0.2 `sysctl --dry-run -p` (settinglist_findpath).
  FakeKeySource live{{"net/ipv4/conf/all/rp_filter", "0"},
                     {"net/ipv4/conf/lo/rp_filter", "0"},
                     {"net/ipv4/conf/default/rp_filter", "0"},
                     {"net/ipv4/conf/eth0/rp_filter", "0"}};
  ConfigSet set =
      make_set({{"/etc/sysctl.d", "10-lo.conf", "net.ipv4.conf.lo.rp_filter = 1\n"},
                {"/usr/lib/sysctl.d", "50-default.conf",
                 "net.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.default.rp_filter\n"},
                {"/usr/lib/sysctl.d", "60-eth0.conf", "net.ipv4.conf.eth0.rp_filter = 0\n"}},
               Semantics::procps);
  Resolution r = resolve_config(set, &live);
  CHECK(winner(set, r, "net/ipv4/conf/lo/rp_filter") == "1 @/etc/sysctl.d/10-lo.conf:1");
  CHECK(winner(set, r, "net/ipv4/conf/all/rp_filter") == "2 @/usr/lib/sysctl.d/50-default.conf:1");
  CHECK(winner(set, r, "net/ipv4/conf/default/rp_filter") == "<unset>");
  CHECK(winner(set, r, "net/ipv4/conf/eth0/rp_filter") == "0 @/usr/lib/sysctl.d/60-eth0.conf:1");
  CHECK(r.keys.at("net/ipv4/conf/eth0/rp_filter").shadowed.empty());
}

TEST_CASE(
    "systemd: a later -key cancels an earlier assignment; the same glob text cancels a glob") {
  FakeKeySource live{{"net/ipv4/conf/all/rp_filter", "0"}, {"net/ipv4/tcp_fin_timeout", "60"}};
  ConfigSet set = make_set({{"/etc/sysctl.d", "10-a.conf",
                             "net.ipv4.tcp_fin_timeout = 30\nnet.ipv4.conf.*.rp_filter = 2\n"},
                            {"/usr/lib/sysctl.d", "20-b.conf",
                             "-net.ipv4.tcp_fin_timeout\n-net.ipv4.conf.*.rp_filter\n"}});
  Resolution r = resolve_config(set, &live);
  CHECK(winner(set, r, "net/ipv4/tcp_fin_timeout") == "<unset>");
  CHECK(winner(set, r, "net/ipv4/conf/all/rp_filter") == "<unset>");
}

TEST_CASE("systemd: a key assigned again after its -key starts over; keys stay in path order") {
  // The resolution finds a key it has seen through a hashed index of its ordered map: a key
  // removed by -key must leave the index too, and one assigned again is a new key.
  ConfigSet set =
      make_set({{"/etc/sysctl.d", "10-a.conf", "x.b = 1\n-x.b\nx.b = 3\nc.d = 4\nx.b = 5\n-c.d\n"},
                {"/usr/lib/sysctl.d", "20-b.conf", "-x.b\nx.b = 6\nc.d = 7\n"}});
  Resolution r = resolve_config(set, nullptr);
  CHECK(winner(set, r, "x/b") == "6 @/usr/lib/sysctl.d/20-b.conf:2");
  CHECK(r.keys.at("x/b").shadowed.empty());
  CHECK(winner(set, r, "c/d") == "7 @/usr/lib/sysctl.d/20-b.conf:3");

  // 500 distinct keys, each set twice, written in an order unrelated to their paths.
  std::string text;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 500; ++i) {
      const int k = (i * 337) % 500;
      text += "k.n" + std::to_string(k) + " = " + std::to_string(round * 1000 + k) + "\n";
    }
  }
  ConfigSet many = make_set({{"/etc/sysctl.d", "10-many.conf", text}});
  Resolution m = resolve_config(many, nullptr);
  REQUIRE(m.keys.size() == 500);
  std::string previous;
  for (const auto& [path, k] : m.keys) {
    CHECK(path > previous);
    previous = path;
    CHECK(k.value == std::to_string(1000 + std::stoi(path.substr(3))));
    CHECK(k.shadowed.size() == 1);
  }
}

TEST_CASE("globs without a live tree stay unexpanded; globs matching nothing are recorded") {
  ConfigSet set =
      make_set({{"/etc/sysctl.d", "10.conf", "net.ipv4.conf.*.rp_filter = 2\nnet.nope.*.x = 1\n"}});
  Resolution offline = resolve_config(set, nullptr);
  CHECK(offline.unexpanded_globs.size() == 2);
  FakeKeySource live{{"net/ipv4/conf/all/rp_filter", "0"}};
  Resolution r = resolve_config(set, &live);
  CHECK(r.empty_globs.size() == 1);
  CHECK(r.keys.size() == 1);
}

TEST_CASE("the precedence fixture under systemd semantics") {
  RootFs fs(tcptune::test::fixture("precedence"));
  ConfigSet set = load_host_config(fs, Semantics::systemd);
  CHECK(applied(set) ==
        std::vector<std::string>{"/usr/local/lib/sysctl.d/05-glob.conf", "/etc/sysctl.d/10-a.conf",
                                 "/run/sysctl.d/15-run.conf", "/usr/lib/sysctl.d/20-b.conf",
                                 "/etc/sysctl.d/30-same.conf", "/etc/sysctl.d/99-sysctl.conf"});
  CHECK(set.sysctl_conf_linked);
  Resolution r = resolve_config(set, nullptr);
  CHECK(winner(set, r, "net/ipv4/tcp_fin_timeout") == "44 @/etc/sysctl.d/99-sysctl.conf:2");
  CHECK(r.keys.at("net/ipv4/tcp_fin_timeout").shadowed.size() == 3);
  CHECK(winner(set, r, "net/core/somaxconn") == "8192 @/etc/sysctl.d/10-a.conf:3");
  CHECK(winner(set, r, "net/ipv4/tcp_keepalive_time") == "600 @/etc/sysctl.d/30-same.conf:2");
  CHECK(winner(set, r, "net/ipv4/tcp_syncookies") == "<unset>");
  CHECK(winner(set, r, "net/ipv4/tcp_keepalive_intvl") == "<unset>");
  // The linked file is shown as the real file.
  CHECK(set.files[5].shown == tcptune::test::fixture("precedence") + "/etc/sysctl.conf");
}

TEST_CASE("the precedence fixture under procps semantics") {
  RootFs fs(tcptune::test::fixture("precedence"));
  ConfigSet set = load_host_config(fs, Semantics::procps);
  CHECK(applied(set) ==
        std::vector<std::string>{"/usr/local/lib/sysctl.d/05-glob.conf", "/etc/sysctl.d/10-a.conf",
                                 "/run/sysctl.d/15-run.conf", "/usr/lib/sysctl.d/20-b.conf",
                                 "/etc/sysctl.d/30-same.conf", "/lib/sysctl.d/60-lib.conf",
                                 "/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf (tail)"});
  Resolution r = resolve_config(set, nullptr);
  CHECK(winner(set, r, "net/ipv4/tcp_fin_timeout") == "44 @/etc/sysctl.conf:2");
  CHECK(winner(set, r, "net/ipv4/tcp_keepalive_intvl") == "30 @/lib/sysctl.d/60-lib.conf:2");
  // sysctl.conf is parsed once even though it is applied twice.
  CHECK(set.files[6].parsed == set.files[7].parsed);
}

TEST_CASE("without the link, systemd never reads /etc/sysctl.conf") {
  RootFs fs(tcptune::test::fixture("blog-nolink"));
  ConfigSet set = load_host_config(fs, Semantics::systemd);
  CHECK(set.sysctl_conf_exists);
  CHECK_FALSE(set.sysctl_conf_linked);
  CHECK(set.sysctl_conf_parsed >= 0);
  Resolution r = resolve_config(set, nullptr);
  CHECK(r.keys.count("net/ipv4/tcp_tw_recycle") == 0);
}
