#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "render/findings_render.hpp"

using namespace tcptune;

// dump_json_streamed writes what dump_json writes for the whole tree, byte for byte: arrays of
// objects, nested arrays, scalars, empty arrays, strings with escapes and bytes that are not
// UTF-8, and keys listed in another order than the document's.
TEST_CASE("dump_json_streamed: the same text as dump_json of the whole tree") {
  std::vector<Json> keys;
  for (int i = 0; i < 3; ++i) {
    Json o;
    o["key"] = "net.ipv4.k" + std::to_string(i);
    o["value"] = i == 1 ? Json(nullptr) : Json(i);
    o["shadowed"] = Json::array();
    if (i == 2) o["shadowed"].push_back({{"line", 7}, {"text", "a\nb \"q\" \t\xff end"}});
    o["nested"] = {{"list", {1, 2, Json::array()}}, {"empty", Json::object()}};
    keys.push_back(o);
  }
  const std::vector<Json> notes = {"one", Json(nullptr), {{"m", "x"}}};

  Json whole;
  whole["schema"] = "s/1";
  whole["keys"] = keys;
  whole["middle"] = {{"a", 1}};
  whole["empty"] = Json::array();
  whole["notes"] = notes;
  whole["tail"] = true;

  Json top = whole;
  top["keys"] = Json::array();
  top["notes"] = Json::array();
  const std::string streamed = dump_json_streamed(top, {{"notes",
                                                         [&](JsonArrayWriter& w) {
                                                           for (const Json& n : notes) w.add(n);
                                                         }},
                                                        {"keys",
                                                         [&](JsonArrayWriter& w) {
                                                           for (const Json& k : keys) w.add(k);
                                                         }},
                                                        {"empty", [](JsonArrayWriter&) {}}});
  CHECK(streamed == dump_json(whole));

  // An array that gets no element stays "[]"; a key the document lacks is left alone.
  Json small;
  small["a"] = Json::array();
  CHECK(dump_json_streamed(small, {{"a", [](JsonArrayWriter&) {}},
                                   {"absent", [](JsonArrayWriter& w) { w.add(1); }}}) ==
        dump_json(small));
}
