// The journal's JSON form, defined beside the journal: apply/ owns its on-disk format. Fragment
// and file bytes are stored base64 encoded: a sysctl.d file may hold bytes that are not UTF-8,
// and they must come back exactly.

#include <nlohmann/json.hpp>

#include "apply/journal.hpp"

namespace tcptune {

namespace {

using ojson = nlohmann::ordered_json;

constexpr const char* k_b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const std::string& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  while (i + 2 < in.size()) {
    auto n = (static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16) |
             (static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8) |
             static_cast<unsigned>(static_cast<unsigned char>(in[i + 2]));
    out += k_b64[(n >> 18) & 63];
    out += k_b64[(n >> 12) & 63];
    out += k_b64[(n >> 6) & 63];
    out += k_b64[n & 63];
    i += 3;
  }
  std::size_t rest = in.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16;
    if (rest == 2) n |= static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += k_b64[(n >> 18) & 63];
    out += k_b64[(n >> 12) & 63];
    out += rest == 2 ? k_b64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(const std::string& in) {
  if (in.size() % 4 != 0) return std::nullopt;
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 4) {
    int a = val(in[i]);
    int b = val(in[i + 1]);
    bool last = i + 4 == in.size();
    int c = in[i + 2] == '=' && last ? -2 : val(in[i + 2]);
    int d = in[i + 3] == '=' && last ? -2 : val(in[i + 3]);
    if (a < 0 || b < 0 || c == -1 || d == -1 || (c == -2 && d != -2)) return std::nullopt;
    unsigned n = (static_cast<unsigned>(a) << 18) | (static_cast<unsigned>(b) << 12) |
                 (c >= 0 ? static_cast<unsigned>(c) << 6 : 0u) |
                 (d >= 0 ? static_cast<unsigned>(d) : 0u);
    out += static_cast<char>((n >> 16) & 0xff);
    if (c >= 0) out += static_cast<char>((n >> 8) & 0xff);
    if (d >= 0) out += static_cast<char>(n & 0xff);
  }
  return out;
}

ojson opt_b64(const std::optional<std::string>& s) {
  return s ? ojson(base64_encode(*s)) : ojson(nullptr);
}

ojson opt_str(const std::optional<std::string>& s) { return s ? ojson(*s) : ojson(nullptr); }

struct Bad {
  std::string what;
};

const ojson& field(const ojson& j, const char* name) {
  if (!j.is_object() || !j.contains(name)) throw Bad{"missing field '" + std::string(name) + "'"};
  return j.at(name);
}

std::string str(const ojson& j, const char* name) {
  const ojson& v = field(j, name);
  if (!v.is_string()) throw Bad{"'" + std::string(name) + "' must be a string"};
  return v.get<std::string>();
}

std::optional<std::string> opt(const ojson& j, const char* name) {
  const ojson& v = field(j, name);
  if (v.is_null()) return std::nullopt;
  if (!v.is_string()) throw Bad{"'" + std::string(name) + "' must be a string or null"};
  return v.get<std::string>();
}

// A live value as the journal holds it: one line (a key's value, trimmed; tabs between fields).
// A line break or NUL is a hand edit that rollback would write into the key as it is.
std::optional<std::string> opt_value(const ojson& j, const char* name) {
  std::optional<std::string> s = opt(j, name);
  if (s && s->find_first_of(std::string_view("\n\r\0", 3)) != std::string::npos)
    throw Bad{"'" + std::string(name) + "' holds a line break or a NUL byte"};
  return s;
}

std::string str_value(const ojson& j, const char* name) {
  (void)str(j, name);  // a string, not null
  return *opt_value(j, name);
}

std::optional<std::string> opt_bytes(const ojson& j, const char* name) {
  std::optional<std::string> s = opt(j, name);
  if (!s) return std::nullopt;
  std::optional<std::string> d = base64_decode(*s);
  if (!d) throw Bad{"'" + std::string(name) + "' is not valid base64"};
  return d;
}

std::vector<std::string> strings(const ojson& j, const char* name) {
  std::vector<std::string> out;
  if (!j.contains(name)) return out;
  const ojson& v = j.at(name);
  if (!v.is_array()) throw Bad{"'" + std::string(name) + "' must be an array"};
  for (const ojson& s : v) {
    if (!s.is_string()) throw Bad{"'" + std::string(name) + "' must hold strings"};
    out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace

std::string journal_to_json(const JournalEntry& e) {
  ojson j;
  j["schema"] = "tcptune.journal/1";
  j["id"] = e.id;
  j["seq"] = e.seq;
  j["state"] = std::string(to_string(e.state));
  j["version"] = e.version;
  j["profile"] = e.profile;
  j["mode"] = e.mode;
  j["started"] = e.started;
  j["finished"] = e.finished.empty() ? ojson(nullptr) : ojson(e.finished);
  j["pid"] = e.pid;
  j["netns"] = e.netns.empty() ? ojson(nullptr) : ojson(e.netns);
  j["netns_id"] = e.netns_id.empty() ? ojson(nullptr) : ojson(e.netns_id);
  j["netns_cookie"] = e.netns_cookie ? ojson(*e.netns_cookie) : ojson(nullptr);
  if (e.fragment) {
    ojson f;
    f["path"] = e.fragment->path;
    f["previous_base64"] = opt_b64(e.fragment->previous);
    f["previous_mode"] = e.fragment->previous_mode;
    f["written_base64"] = opt_b64(e.fragment->written);
    j["fragment"] = f;
  } else {
    j["fragment"] = nullptr;
  }
  ojson keys = ojson::array();
  for (const JournalKey& k : e.keys) {
    ojson o;
    o["key"] = k.key;
    o["path"] = k.path;
    o["before"] = opt_str(k.before);
    o["before_raw_base64"] = opt_b64(k.before_raw);
    o["target"] = k.target;
    o["after"] = opt_str(k.after);
    keys.push_back(o);
  }
  j["keys"] = keys;
  ojson side = ojson::array();
  for (const JournalSide& s : e.side) {
    ojson o;
    o["path"] = s.path;
    o["before"] = s.before;
    o["after"] = opt_str(s.after);
    side.push_back(o);
  }
  j["side"] = side;
  if (!e.edits.empty()) {
    ojson edits = ojson::array();
    for (const JournalFileEdit& fe : e.edits) {
      ojson o;
      o["path"] = fe.path;
      o["kind"] = fe.kind;
      o["masks"] = fe.masks.empty() ? ojson(nullptr) : ojson(fe.masks);
      o["previous_base64"] = opt_b64(fe.previous);
      o["previous_mode"] = fe.previous_mode;
      o["previous_uid"] = fe.previous_uid;
      o["previous_gid"] = fe.previous_gid;
      o["written_base64"] = base64_encode(fe.written);
      o["disabled"] = fe.disabled;
      edits.push_back(o);
    }
    j["edits"] = edits;
  }
  j["errors"] = e.errors;
  j["left"] = e.left;
  j["notes"] = e.notes;
  j["rollback_started"] = e.rollback_started.empty() ? ojson(nullptr) : ojson(e.rollback_started);
  j["rolled_back_by"] = e.rolled_back_by.empty() ? ojson(nullptr) : ojson(e.rolled_back_by);
  // Values come from /proc/sys and files: replace invalid UTF-8 rather than fail the dump.
  return j.dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
}

Result<JournalEntry> journal_from_json(const std::string& text, const std::string& shown) {
  ojson j = ojson::parse(text, nullptr, false);
  if (j.is_discarded()) return SysError{0, shown, "not valid JSON (corrupt or truncated)"};
  try {
    if (str(j, "schema") != "tcptune.journal/1")
      throw Bad{"unknown schema '" + str(j, "schema") + "'"};
    JournalEntry e;
    e.id = str(j, "id");
    std::optional<TxnState> st = parse_txn_state(str(j, "state"));
    if (!st) throw Bad{"unknown state '" + str(j, "state") + "'"};
    e.state = *st;
    e.version = str(j, "version");
    e.profile = str(j, "profile");
    e.mode = str(j, "mode");
    e.started = str(j, "started");
    e.finished = opt(j, "finished").value_or("");
    const ojson& pid = field(j, "pid");
    if (!pid.is_number_integer()) throw Bad{"'pid' must be an integer"};
    e.pid = pid.get<long>();
    e.netns = opt(j, "netns").value_or("");
    if (j.contains("netns_id")) e.netns_id = opt(j, "netns_id").value_or("");
    if (j.contains("netns_cookie") && !field(j, "netns_cookie").is_null()) {
      const ojson& c = field(j, "netns_cookie");
      if (!c.is_number_unsigned()) throw Bad{"'netns_cookie' must be a non-negative integer"};
      e.netns_cookie = c.get<std::uint64_t>();
    }
    if (j.contains("seq")) {
      const ojson& seq = field(j, "seq");
      if (!seq.is_number_integer() || seq.get<long>() < 0)
        throw Bad{"'seq' must be a non-negative integer"};
      e.seq = seq.get<long>();
    }
    const ojson& f = field(j, "fragment");
    if (!f.is_null()) {
      JournalFragment jf;
      jf.path = str(f, "path");
      jf.previous = opt_bytes(f, "previous_base64");
      const ojson& m = field(f, "previous_mode");
      if (!m.is_number_integer()) throw Bad{"'previous_mode' must be an integer"};
      jf.previous_mode = m.get<int>() & 07777;
      jf.written = opt_bytes(f, "written_base64");
      e.fragment = std::move(jf);
    }
    const ojson& keys = field(j, "keys");
    if (!keys.is_array()) throw Bad{"'keys' must be an array"};
    for (const ojson& k : keys) {
      JournalKey jk;
      jk.key = str(k, "key");
      jk.path = str(k, "path");
      jk.before = opt_value(k, "before");
      if (k.contains("before_raw_base64")) jk.before_raw = opt_bytes(k, "before_raw_base64");
      jk.target = str_value(k, "target");
      if (k.contains("after")) jk.after = opt_value(k, "after");
      e.keys.push_back(std::move(jk));
    }
    if (j.contains("side")) {
      const ojson& side = field(j, "side");
      if (!side.is_array()) throw Bad{"'side' must be an array"};
      for (const ojson& s : side) {
        JournalSide js;
        js.path = str(s, "path");
        js.before = str_value(s, "before");
        if (s.contains("after")) js.after = opt_value(s, "after");
        e.side.push_back(std::move(js));
      }
    }
    if (j.contains("edits")) {
      const ojson& edits = field(j, "edits");
      if (!edits.is_array()) throw Bad{"'edits' must be an array"};
      for (const ojson& o : edits) {
        JournalFileEdit fe;
        fe.path = str(o, "path");
        fe.kind = str(o, "kind");
        if (fe.kind != "edit" && fe.kind != "mask")
          throw Bad{"unknown edit kind '" + fe.kind + "'"};
        fe.masks = opt(o, "masks").value_or("");
        fe.previous = opt_bytes(o, "previous_base64");
        for (const char* n : {"previous_mode", "previous_uid", "previous_gid"}) {
          if (!field(o, n).is_number_integer() || field(o, n).get<long>() < 0)
            throw Bad{"'" + std::string(n) + "' must be a non-negative integer"};
        }
        fe.previous_mode = o.at("previous_mode").get<int>() & 07777;
        fe.previous_uid = o.at("previous_uid").get<long>();
        fe.previous_gid = o.at("previous_gid").get<long>();
        std::optional<std::string> w = opt_bytes(o, "written_base64");
        if (!w) throw Bad{"'written_base64' must be a string"};
        fe.written = *w;
        fe.disabled = strings(o, "disabled");
        e.edits.push_back(std::move(fe));
      }
    }
    e.errors = strings(j, "errors");
    e.left = strings(j, "left");
    e.notes = strings(j, "notes");
    if (j.contains("rollback_started"))
      e.rollback_started = opt(j, "rollback_started").value_or("");
    e.rolled_back_by = j.contains("rolled_back_by") && j.at("rolled_back_by").is_string()
                           ? j.at("rolled_back_by").get<std::string>()
                           : "";
    return e;
  } catch (const Bad& b) {
    return SysError{0, shown, "not a valid tcptune journal entry: " + b.what};
  } catch (const nlohmann::json::exception& x) {
    return SysError{0, shown, std::string("not a valid tcptune journal entry: ") + x.what()};
  }
}

}  // namespace tcptune
