// The knowledge snapshot (src/cli/knowledge_snapshot.hpp): a snapshot of the shipped data gives
// the knowledge that parsing the files gives, field for field; it stands only for the exact
// files it was made from; a damaged snapshot is refused, not misread.

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "cli/knowledge_snapshot.hpp"
#include "test_support.hpp"

using namespace tcptune;

namespace {

const std::string k_dir = TCPTUNE_TEST_DATA_DIR;

Knowledge parsed(const std::vector<DataFile>& files, const std::string& dir) {
  Knowledge k;
  std::vector<Finding> errors = load_data_files(files, dir, k);
  for (const Finding& e : errors) FAIL_CHECK(e.file << ":" << e.line << ": " << e.message);
  return k;
}

void check_same(const Knowledge& a, const Knowledge& b) {
  CHECK(a.keys.all() == b.keys.all());
  CHECK(a.keys.patterns() == b.keys.patterns());
  CHECK(a.keys.services() == b.keys.services());
  CHECK(a.keys.kind_fixes() == b.keys.kind_fixes());
  CHECK(a.keys.source_versions() == b.keys.source_versions());
  CHECK(a.keys == b.keys);
  CHECK(a.checks.all() == b.checks.all());
  CHECK(a.rules == b.rules);
  CHECK(a.profiles == b.profiles);
}

std::string snapshot_of(const std::vector<DataFile>& files) {
  return make_snapshot(parsed(files, std::string(k_snapshot_dir)), files);
}

}  // namespace

TEST_CASE("snapshot: the shipped data through a snapshot is the parsed data") {
  std::vector<DataFile> files = read_data_files(k_dir, true);
  REQUIRE(files.size() >= 9);  // the TSV, four rules files, four profiles
  CHECK(files.front().name == "rules/kernel_keys.tsv");
  Knowledge want = parsed(files, k_dir);
  REQUIRE(want.keys.all().size() > 900);
  REQUIRE(want.keys.patterns().size() > 10);
  REQUIRE(want.rules.size() > 10);
  REQUIRE(want.profiles.size() == 4);
  REQUIRE(want.checks.all().size() > 50);

  std::string snapshot = snapshot_of(files);
  std::optional<Knowledge> got = open_snapshot(snapshot, files, k_dir);
  REQUIRE(got.has_value());
  check_same(*got, want);
  // The names are the data directory's, not the one the snapshot was made with.
  CHECK(got->rules.front().source.rfind(k_dir + "/rules/check.toml:", 0) == 0);
  CHECK(got->profiles.front().file.rfind(k_dir + "/profiles/", 0) == 0);
  const KeyInfo* curated = got->keys.find("net/ipv4/tcp_tw_reuse");
  REQUIRE(curated != nullptr);
  CHECK(curated->source.rfind(k_dir + "/rules/keys.toml:", 0) == 0);
  // Any other directory name: the same files, other names.
  std::optional<Knowledge> elsewhere = open_snapshot(snapshot, files, "/usr/share/tcptune");
  REQUIRE(elsewhere.has_value());
  CHECK(elsewhere->rules.front().source.rfind("/usr/share/tcptune/rules/check.toml:", 0) == 0);
  // The catalogs alone: the first four files.
  std::vector<DataFile> catalogs = read_data_files(k_dir, false);
  CHECK(catalogs.size() == 4);
}

TEST_CASE("snapshot: the catalog reads its entries on demand, the same entries") {
  std::vector<DataFile> files = read_data_files(k_dir, true);
  Knowledge want = parsed(files, k_dir);
  std::optional<Knowledge> got = open_snapshot(snapshot_of(files), files, k_dir);
  REQUIRE(got.has_value());
  // Before anything reads them all: lookups one by one, exact keys and patterns.
  CHECK(got->keys.curated_paths() == want.keys.curated_paths());
  CHECK(got->keys.curated_paths().size() > 100);
  for (const char* path : {"net/ipv4/tcp_tw_reuse", "net/ipv4/conf/eth0/rp_filter",
                           "net/ipv6/conf/lo/disable_ipv6", "net/ipv4/neigh/default/gc_thresh3",
                           "vm/swappiness", "net/ipv4/tcp_tw_recycle", "net/nope", "x"}) {
    CAPTURE(path);
    const KeyInfo* a = got->keys.find(path);
    const KeyInfo* b = want.keys.find(path);
    REQUIRE((a == nullptr) == (b == nullptr));
    if (a != nullptr) CHECK(*a == *b);
    CHECK(got->keys.find(path) == a);  // the same entry the second time
  }
  CHECK(got->keys.find("nope/nope") == nullptr);
  for (const auto& [path, info] : want.keys.all()) {
    const KeyInfo* a = got->keys.find(path);
    REQUIRE(a != nullptr);
    CHECK(*a == info);
  }
  CHECK(got->keys.suggest("net.ipv4.tcp_tw_reuze") == want.keys.suggest("net.ipv4.tcp_tw_reuze"));
  // The check codes too: one by one, then all.
  REQUIRE(want.checks.all().size() > 50);
  for (const char* code : {"TT1001", "TT0001", "TT9999", "", "tt1001"}) {
    CAPTURE(code);
    const CheckInfo* a = got->checks.find(code);
    const CheckInfo* b = want.checks.find(code);
    REQUIRE((a == nullptr) == (b == nullptr));
    if (a != nullptr) CHECK(*a == *b);
    CHECK(got->checks.find(code) == a);
  }
  for (const auto& [code, info] : want.checks.all()) {
    const CheckInfo* a = got->checks.find(code);
    REQUIRE(a != nullptr);
    CHECK(*a == info);
  }
  check_same(*got, want);
  // add() after lazy lookups: every entry is there, the added one replaces its code's.
  std::optional<Knowledge> more = open_snapshot(snapshot_of(files), files, k_dir);
  REQUIRE(more.has_value());
  CHECK(more->checks.find("TT1001") != nullptr);
  CheckInfo extra = *want.checks.find("TT1001");
  extra.title = "replaced";
  more->checks.add(extra);
  CHECK(more->checks.all().size() == want.checks.all().size());
  CHECK(more->checks.find("TT1001")->title == "replaced");
}

TEST_CASE("snapshot: facts_of reads an entry without its texts, and nothing else differs") {
  std::vector<DataFile> files = read_data_files(k_dir, true);
  Knowledge want = parsed(files, k_dir);
  std::optional<Knowledge> got = open_snapshot(snapshot_of(files), files, k_dir);
  REQUIRE(got.has_value());
  auto without_texts = [](KeyInfo k) {
    k.default_note.clear();
    k.summary.clear();
    k.explain.clear();
    k.references.clear();
    k.source.clear();
    k.moved.clear();
    return k;
  };
  std::size_t with_texts = 0;
  std::vector<std::string> paths;
  for (const auto& [path, info] : want.keys.all()) paths.push_back(path);
  for (const char* p :
       {"net/ipv4/conf/eth0/rp_filter", "net/ipv6/conf/lo/disable_ipv6", "net/nope", "nope"})
    paths.push_back(p);
  for (const std::string& path : paths) {
    CAPTURE(path);
    std::optional<KeyInfo> facts = got->keys.facts_of(path);
    const KeyInfo* whole = want.keys.find(path);
    REQUIRE(facts.has_value() == (whole != nullptr));
    if (!facts) continue;
    CHECK(*facts == without_texts(*whole));
    if (!(*whole == without_texts(*whole))) ++with_texts;
    // A parsed catalog's entries are whole.
    CHECK(want.keys.facts_of(path) == *whole);
  }
  CHECK(with_texts > 100);  // the curated entries have texts to leave out
  // Once find() has read an entry whole, facts_of returns it whole.
  const KeyInfo* whole = got->keys.find("net/ipv4/tcp_fin_timeout");
  REQUIRE(whole != nullptr);
  CHECK(!whole->explain.empty());
  CHECK(*whole == *want.keys.find("net/ipv4/tcp_fin_timeout"));
  CHECK(got->keys.facts_of("net/ipv4/tcp_fin_timeout") == *whole);
  // facts_of keeps nothing: find() after it reads the entry whole.
  std::optional<Knowledge> fresh = open_snapshot(snapshot_of(files), files, k_dir);
  REQUIRE(fresh.has_value());
  std::optional<KeyInfo> brief = fresh->keys.facts_of("net/ipv4/tcp_tw_reuse");
  REQUIRE(brief.has_value());
  CHECK(brief->explain.empty());
  const KeyInfo* full = fresh->keys.find("net/ipv4/tcp_tw_reuse");
  REQUIRE(full != nullptr);
  CHECK(*full == *want.keys.find("net/ipv4/tcp_tw_reuse"));
}

TEST_CASE("snapshot: other files than the snapshot's are parsed instead") {
  std::vector<DataFile> files = read_data_files(k_dir, true);
  std::string snapshot = snapshot_of(files);
  REQUIRE(open_snapshot(snapshot, files, k_dir).has_value());

  SUBCASE("one byte more in a profile") { files.back().text += "\n"; }
  SUBCASE("one byte changed in the catalog") {
    std::string& text = files[1].text;
    REQUIRE(!text.empty());
    text[text.size() / 2] = text[text.size() / 2] == 'x' ? 'y' : 'x';
  }
  SUBCASE("a profile fewer") { files.pop_back(); }
  SUBCASE("a profile more") { files.push_back({"profiles/zz-mine.toml", "name = \"mine\"\n"}); }
  SUBCASE("a profile renamed") { files.back().name = "profiles/renamed.toml"; }
  SUBCASE("no generated catalog") { files.erase(files.begin()); }
  CHECK_FALSE(open_snapshot(snapshot, files, k_dir).has_value());
}

TEST_CASE("snapshot: the files on disk are compared where they lie") {
  std::vector<DataFile> files = read_data_files(k_dir, true);
  std::string snapshot = snapshot_of(files);
  test::TempDir tmp("snapshot");
  std::string dir = tmp.path.string();
  for (const DataFile& f : files) test::write_file(tmp.path / f.name, f.text);
  REQUIRE(snapshot_matches(snapshot, dir));
  std::optional<Knowledge> got = open_snapshot(snapshot, dir);
  REQUIRE(got.has_value());
  CHECK(got->rules.front().source.rfind(dir + "/rules/check.toml:", 0) == 0);

  SUBCASE("a byte more") {
    test::write_file(tmp.path / "profiles/web.toml", files.back().text + "\n");
  }
  SUBCASE("a byte less") {
    std::string text = files[1].text;
    text.pop_back();
    test::write_file(tmp.path / files[1].name, text);
  }
  SUBCASE("the same size, one byte changed") {
    std::string text = files[2].text;
    text[text.size() - 2] = text[text.size() - 2] == '#' ? '%' : '#';
    test::write_file(tmp.path / files[2].name, text);
  }
  SUBCASE("a profile more") {
    test::write_file(tmp.path / "profiles/zz-mine.toml", "name = \"mine\"\n");
  }
  SUBCASE("a profile removed") { std::filesystem::remove(tmp.path / "profiles/web.toml"); }
  SUBCASE("a data file replaced by a FIFO (not read, not waited on)") {
    std::filesystem::remove(tmp.path / "rules/lint.toml");
    REQUIRE(::mkfifo((tmp.path / "rules/lint.toml").c_str(), 0600) == 0);
  }
  SUBCASE("no profiles directory") { std::filesystem::remove_all(tmp.path / "profiles"); }
  CHECK_FALSE(open_snapshot(snapshot, dir).has_value());
}

TEST_CASE("snapshot: a damaged or empty snapshot is refused") {
  std::vector<DataFile> files = read_data_files(k_dir, true);
  std::string snapshot = snapshot_of(files);
  CHECK_FALSE(open_snapshot("", files, k_dir).has_value());
  CHECK_FALSE(open_snapshot("TTKS", files, k_dir).has_value());
  std::string other_format = snapshot;
  other_format[4] = static_cast<char>(other_format[4] + 1);  // the format number after the magic
  CHECK_FALSE(open_snapshot(other_format, files, k_dir).has_value());
  // Cut anywhere: refused (the reader checks every length against what is left).
  for (std::size_t cut : {std::size_t{5}, std::size_t{100}, snapshot.size() / 3,
                          snapshot.size() / 2, snapshot.size() - 1}) {
    CAPTURE(cut);
    CHECK_FALSE(open_snapshot(std::string_view(snapshot).substr(0, cut), files, k_dir));
  }
  // Trailing bytes: refused.
  CHECK_FALSE(open_snapshot(snapshot + "x", files, k_dir).has_value());
}

TEST_CASE("snapshot: any one byte changed is refused, or read, or reported as damaged") {
  // A small knowledge, so that every byte of its snapshot can be changed in turn: the tables'
  // offsets and lengths, the names' order, every record. Under the sanitizers this also shows
  // that no change makes a read go outside the snapshot.
  Knowledge k;
  for (const char* path : {"net/a/one", "net/a/two"}) {
    KeyInfo key;
    key.path = path;
    key.name = path;
    key.summary = "a summary";
    key.default_value = "1";
    k.keys.add(key);
  }
  KeyInfo pattern;
  pattern.path = "net/x/<if>/y";
  pattern.name = "net.x.<if>.y";
  pattern.pattern = true;
  k.keys.add(pattern);
  for (const char* code : {"TT1001", "TT1002"}) {
    CheckInfo c;
    c.code = code;
    c.title = "a title";
    k.checks.add(c);
  }
  const std::string snapshot = make_snapshot(k, {});
  REQUIRE(open_snapshot(snapshot, {}, "/d").has_value());
  std::size_t refused = 0;
  std::size_t damaged = 0;
  std::size_t whole_damaged = 0;
  for (std::size_t i = 0; i < snapshot.size(); ++i) {
    for (int x : {0x01, 0x80, 0xff}) {
      std::string changed = snapshot;
      changed[i] =
          static_cast<char>(static_cast<unsigned char>(changed[i]) ^ static_cast<unsigned>(x));
      std::optional<Knowledge> got = open_snapshot(changed, {}, "/d");
      if (!got) {
        ++refused;
        continue;
      }
      try {
        for (const char* path : {"net/a/one", "net/a/two", "net/x/eth0/y", "net/b"}) {
          (void)got->keys.find(path);
          (void)got->keys.facts_of(path);
        }
        for (const char* code : {"TT1001", "TT1002", "TT1003"}) (void)got->checks.find(code);
      } catch (const SystemFailure& e) {
        ++damaged;
        CHECK(std::string(e.what()).find("knowledge snapshot is damaged") != std::string::npos);
      }
      // Reading everything at once: a damaged entry throws, and drops nothing, so the next
      // attempt meets it again instead of returning a catalog with entries missing.
      std::optional<Knowledge> whole = open_snapshot(changed, {}, "/d");
      REQUIRE(whole.has_value());
      auto read_all = [&] {
        try {
          (void)whole->checks.all();
          (void)whole->keys.all();
          return false;
        } catch (const SystemFailure&) {
          return true;
        }
      };
      const bool first = read_all();
      CHECK(read_all() == first);
      whole_damaged += first ? 1 : 0;
    }
  }
  // A change in a text's bytes reads as another text; one in a length, an offset or a name's
  // order is refused at the opening, one in a record's structure when the record is read.
  CHECK(refused > 100);
  CHECK(damaged > 10);
  CHECK(whole_damaged > 10);
}

TEST_CASE("snapshot: every field of every struct goes through") {
  // Each field set away from its default, so a field missing from a field list shows.
  Knowledge k;
  KeyInfo key;
  key.name = "net.x.<if>.y";
  key.path = "net/x/<if>/y";
  key.type = KeyType::vector;
  key.element = KeyType::ulong_;
  key.min = -5;
  key.max = 9;
  key.values = {1, 2};
  key.mask = 6;
  key.count = 3;
  key.enforced = true;
  key.default_value = "1 2 3";
  key.default_note = "note";
  key.default_history = {{KernelVersion{4, 19, 0}, "0"}};
  key.added = KernelVersion{3, 1, 2};
  key.removed = KernelVersion{6, 1, 0};
  key.vendor = "vendor";
  key.netns = NetnsScope::read_only;
  key.netns_since = KernelVersion{5, 0, 0};
  key.netns_init = "init";
  key.unit = "ms";
  key.summary = "summary";
  key.explain = "explain";
  key.references = {"a", "b"};
  key.source = std::string(k_snapshot_dir) + "/rules/keys.toml:3";
  key.moved = "debugfs";
  key.seen = {KernelVersion{5, 10, 0}};
  key.generated = true;
  key.pattern = true;
  key.read_only = true;
  key.partial_vector = true;
  key.kernel = KernelLimits{KeyType::uint_, 2, 0, 7};
  KeyInfo exact = key;
  exact.name = "net.x.eth0.y";
  exact.path = "net/x/eth0/y";
  exact.pattern = false;
  k.keys.add(key);
  k.keys.add(exact);
  k.keys.add_service(Service{3306, "MySQL", "database", "pool"});
  k.keys.add_kind_fix("database", "pool");
  k.keys.add_source_version(KernelVersion{6, 1, 0});
  k.checks.add(CheckInfo{"TT9999", "name", Severity::error, "title", "explain", "hint", {"ref"}});

  Rule rule;
  rule.code = "TT9998";
  rule.name = "rule";
  rule.severity = Severity::info;
  rule.message = "message {a}";
  rule.hint = "hint";
  rule.key = "net.x";
  rule.value = FactRef{FactKind::live, "net/x", true, 2, "live:net.x[2]"};
  rule.foreach = "live";
  rule.evidence = {{"a", FactRef{FactKind::census, "tw", false, std::nullopt, "census.tw"}}};
  Condition leaf;
  leaf.fact = FactRef{FactKind::counter, "TcpExt.TW", false, std::nullopt, "counter"};
  leaf.op = CompareOp::in;
  leaf.values = {FactValue{std::int64_t{-7}}, FactValue{2.5}, FactValue{std::string("s")},
                 FactValue{KernelVersion{4, 12, 0}}};
  leaf.other = FactRef{FactKind::kernel, "", false, std::nullopt, "kernel"};
  Condition negation;
  negation.kind = Condition::Kind::not_;
  negation.children = {leaf};
  rule.when.kind = Condition::Kind::any;
  rule.when.children = {leaf, negation};
  rule.source = std::string(k_snapshot_dir) + "/rules/check.toml:9";
  k.rules = {rule};

  Profile profile;
  profile.name = "p";
  profile.summary = "s";
  profile.extends = "base";
  profile.origin = "shipped";
  profile.file = std::string(k_snapshot_dir) + "/profiles/p.toml";
  profile.line = 4;
  ProfileSetting setting;
  setting.key = "net.x";
  setting.path = "net/x";
  setting.op = TargetOp::ge;
  setting.value = "5";
  setting.kernel = KernelConstraint{CompareOp::lt, KernelVersion{5, 4, 0}, "< 5.4"};
  setting.rationale = "why";
  setting.reference = "ref";
  setting.required = true;
  setting.profile = "p";
  setting.source = std::string(k_snapshot_dir) + "/profiles/p.toml:7";
  profile.settings = {setting};
  k.profiles = {profile};

  std::vector<DataFile> files = {{"rules/keys.toml", "x"}};
  std::optional<Knowledge> got = open_snapshot(make_snapshot(k, files), files, "/d");
  REQUIRE(got.has_value());
  // The names under /d, everything else as it was.
  key.source = "/d/rules/keys.toml:3";
  exact.source = key.source;
  rule.source = "/d/rules/check.toml:9";
  profile.file = "/d/profiles/p.toml";
  profile.settings[0].source = "/d/profiles/p.toml:7";
  Knowledge want;
  want.keys.add(key);
  want.keys.add(exact);
  want.keys.add_service(Service{3306, "MySQL", "database", "pool"});
  want.keys.add_kind_fix("database", "pool");
  want.keys.add_source_version(KernelVersion{6, 1, 0});
  want.checks = k.checks;
  want.rules = {rule};
  want.profiles = {profile};
  check_same(*got, want);
  CHECK(got->keys.find("net/x/eth1/y") != nullptr);  // the pattern family came through
  CHECK(got->keys.suggest("net.x.eth0.yy") == "net.x.eth0.y");
}
