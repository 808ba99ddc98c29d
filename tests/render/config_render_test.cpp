#include "render/config_render.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace tcptune;

// A key the set assigns 150 times: the model keeps 100 shadowed writes and the count of all,
// and both forms say how many more there are.
TEST_CASE("config: a key's shadowed writes past the first 100 are counted") {
  BootModel model;
  BootKey& k = model.keys["net/ipv4/tcp_fin_timeout"];
  k.path = "net/ipv4/tcp_fin_timeout";
  k.key = "net.ipv4.tcp_fin_timeout";
  k.value = "31";
  k.before = "60";
  BootWrite w;
  w.file = "/etc/sysctl.d/10-a.conf";
  w.key = k.key;
  w.value = "30";
  w.outcome = "shadowed";
  for (int i = 1; i <= 100; ++i) {
    w.line = i;
    k.shadowed.push_back(w);
  }
  k.shadowed_total = 149;
  w.line = 150;
  w.value = "31";
  w.outcome = "written";
  k.winner = w;
  ConfigMeta meta;
  meta.version = "0";
  const std::string text = render_config(model, meta, OutputFormat::text, Style(false));
  CHECK(text.find("    ... and 49 more shadowed or unwritten assignment(s)\n") !=
        std::string::npos);
  const nlohmann::json j =
      nlohmann::json::parse(render_config(model, meta, OutputFormat::json, Style(false)));
  CHECK(j["keys"][0]["shadowed"].size() == 100);
  CHECK(j["keys"][0]["shadowed_total"] == 149);
  // Under the limit nothing more is said.
  k.shadowed_total = 100;
  CHECK(render_config(model, meta, OutputFormat::text, Style(false)).find("more shadowed") ==
        std::string::npos);
}
