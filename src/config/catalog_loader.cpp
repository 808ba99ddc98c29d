#include "config/catalog_loader.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "config/toml_reader.hpp"
#include "core/sysctl_key.hpp"
#include "core/text_util.hpp"

namespace tcptune {

namespace {

std::optional<KeyType> parse_type(const std::string& s) {
  if (s == "int") return KeyType::int_;
  if (s == "uint") return KeyType::uint_;
  if (s == "ulong") return KeyType::ulong_;
  if (s == "enum") return KeyType::enum_;
  if (s == "bitmask") return KeyType::bitmask;
  if (s == "vector") return KeyType::vector;
  if (s == "string") return KeyType::string;
  if (s == "port_list") return KeyType::port_list;
  return std::nullopt;
}

std::optional<KernelVersion> version_field(TableReader& r, const char* name) {
  std::optional<std::string> s = r.string(name, Field::optional);
  if (!s) return std::nullopt;
  std::optional<KernelVersion> v = parse_kernel_version(*s);
  if (!v)
    r.error(r.table().get(name),
            std::string("'") + name + "' must be a kernel version like \"4.12\"");
  return v;
}

}  // namespace

namespace {

std::optional<std::int64_t> tsv_int(std::string_view f) {
  if (f == "-") return std::nullopt;
  return parse_kernel_int(f);
}

}  // namespace

std::vector<Finding> load_generated_catalog(std::string_view text, const std::string& file,
                                            Catalog& out) {
  std::vector<Finding> errors;
  std::size_t pos = 0;
  int line_no = 0;
  auto fail = [&](const std::string& message) {
    errors.push_back(data_error(file, line_no, 1, message));
  };
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.rfind("#! source ", 0) == 0) {
      for (std::string_view v : split(line.substr(10), ',')) {
        if (auto kv = parse_kernel_version(trim(v))) {
          out.add_source_version(*kv);
        } else {
          fail("bad source version '" + std::string(v) + "'");
        }
      }
      continue;
    }
    if (line.empty() || line.front() == '#') continue;
    // Up to 8 fields, without a vector per line (this runs for every key on every command).
    std::array<std::string_view, 9> f;
    std::size_t nf = 0;
    for (std::size_t start = 0; nf < f.size();) {
      std::size_t tab = line.find('\t', start);
      f[nf++] = line.substr(start, tab == std::string_view::npos ? tab : tab - start);
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    if (nf < 7 || nf > 8) {
      fail("expected 7 or 8 tab-separated fields, got " + std::to_string(nf));
      continue;
    }
    KeyInfo k;
    k.generated = true;
    k.path = std::string(f[0]);
    k.pattern = k.path.find('<') != std::string::npos;
    if (k.path.empty() || k.path.front() == '/' || k.path.find("..") != std::string::npos) {
      fail("invalid key path '" + k.path + "'");
      continue;
    }
    if (k.path.find('.') == std::string::npos) {
      k.name = k.path;  // the common case: no dot inside a name, so '/' simply becomes '.'
      std::replace(k.name.begin(), k.name.end(), '/', '.');
    } else {
      k.name = path_to_key(k.path);
    }
    std::optional<std::int64_t> count = parse_kernel_int(f[4]);
    if (!count || *count < 1 || *count > 64) {
      fail("bad count '" + std::string(f[4]) + "'");
      continue;
    }
    k.count = static_cast<int>(*count);
    if (f[1] == "int") {
      k.type = KeyType::int_;
    } else if (f[1] == "uint") {
      k.type = KeyType::uint_;
    } else if (f[1] == "ulong") {
      k.type = KeyType::ulong_;
    } else if (f[1] == "string") {
      k.type = KeyType::string;
    } else if (f[1] == "other") {
      k.type = KeyType::other;
    } else {
      fail("unknown type '" + std::string(f[1]) + "'");
      continue;
    }
    k.kernel.kind = k.type;
    k.kernel.count = k.count;
    if (k.count > 1 && k.type != KeyType::string && k.type != KeyType::other) {
      k.element = k.type;
      k.type = KeyType::vector;
      k.partial_vector = true;
    }
    if ((f[2] != "-" && !tsv_int(f[2])) || (f[3] != "-" && !tsv_int(f[3]))) {
      fail("bad range '" + std::string(f[2]) + "' .. '" + std::string(f[3]) + "'");
      continue;
    }
    k.min = tsv_int(f[2]);
    k.max = tsv_int(f[3]);
    std::string_view flags = f[5] == "-" ? std::string_view() : f[5];
    auto has = [&](char c) { return flags.find(c) != std::string_view::npos; };
    k.enforced = has('e');
    k.read_only = has('r');
    if (k.enforced) {
      k.kernel.min = k.min;
      k.kernel.max = k.max;
    }
    if (k.path.rfind("net/", 0) != 0) {
      k.netns = NetnsScope::not_net;
    } else if (has('c')) {
      k.netns = NetnsScope::read_only;
    } else if (has('n')) {
      k.netns = NetnsScope::per_namespace;
    } else {
      k.netns = NetnsScope::host_wide;
    }
    bool versions_ok = true;
    for (std::string_view rest = f[6]; versions_ok;) {
      std::size_t comma = rest.find(',');
      if (auto kv = parse_kernel_version(rest.substr(0, comma))) {
        k.seen.push_back(*kv);
      } else {
        versions_ok = false;
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (!versions_ok || k.seen.empty()) {
      fail("bad versions '" + std::string(f[6]) + "'");
      continue;
    }
    std::sort(k.seen.begin(), k.seen.end());
    if (nf == 8) k.unit = std::string(f[7]);
    out.add(std::move(k));
  }
  return errors;
}

std::vector<Finding> load_key_catalog(const std::string& text, const std::string& file,
                                      Catalog& out) {
  std::vector<Finding> errors;
  Result<toml::table, Finding> parsed = parse_toml(text, file);
  if (!parsed.ok()) return {parsed.error()};
  const toml::table* doc = &parsed.value();
  TableReader top(*doc, file, errors);
  std::set<std::string> seen;
  top.tables("key", Field::required, [&](TableReader& r) {
    KeyInfo k;
    std::size_t errors_before = errors.size();
    k.source = file + ":" + std::to_string(r.table().source().begin.line);
    if (auto name = r.string("name", Field::required)) {
      NormalizedKey nk = normalize_key(*name);
      if (nk.problem != KeyProblem::none || nk.glob) {
        r.error(r.table().get("name"),
                "invalid key name '" + *name + "'" + (nk.reason.empty() ? "" : ": " + nk.reason));
      } else {
        k.name = nk.key;
        k.path = nk.path;
        if (!seen.insert(k.path).second)
          r.error(r.table().get("name"), "duplicate key '" + k.name + "'");
      }
    }
    if (auto t = r.string("type", Field::required)) {
      if (auto kt = parse_type(*t)) {
        k.type = *kt;
      } else {
        r.error(r.table().get("type"),
                "unknown type '" + *t +
                    "' (int, uint, ulong, enum, bitmask, vector, string, port_list)");
      }
    }
    k.min = r.integer("min", Field::optional);
    k.max = r.integer("max", Field::optional);
    if (k.min && k.max && *k.min > *k.max) r.error(r.table().get("max"), "'max' is below 'min'");
    if (auto v = r.integers("values", k.type == KeyType::enum_ ? Field::required : Field::optional))
      k.values = *v;
    k.mask = r.integer("mask", k.type == KeyType::bitmask ? Field::required : Field::optional);
    if (auto c =
            r.integer("count", k.type == KeyType::vector ? Field::required : Field::optional)) {
      if (*c < 1 || *c > 16) {
        r.error(r.table().get("count"), "'count' must be between 1 and 16");
      } else {
        k.count = static_cast<int>(*c);
      }
    }
    k.enforced = r.boolean("enforced", Field::optional).value_or(false);
    k.kernel.kind = k.type == KeyType::enum_ || k.type == KeyType::bitmask ? KeyType::int_
                    : k.type == KeyType::vector                            ? KeyType::int_
                                                                           : k.type;
    k.kernel.count = k.type == KeyType::vector ? k.count : 1;
    if (k.enforced) {
      k.kernel.min = k.min;
      k.kernel.max = k.max;
      if (k.type == KeyType::enum_ && !k.values.empty()) {
        k.kernel.min = *std::min_element(k.values.begin(), k.values.end());
        k.kernel.max = *std::max_element(k.values.begin(), k.values.end());
      }
    }
    k.default_value = r.string("default", Field::optional);
    k.default_note = r.string("default_note", Field::optional).value_or("");
    r.tables("default_history", Field::optional, [&](TableReader& h) {
      DefaultChange c;
      auto before = version_field(h, "before");
      auto value = h.string("value", Field::required);
      if (before && value) {
        c.before = *before;
        c.value = *value;
        k.default_history.push_back(c);
      } else if (!h.table().get("before")) {
        h.error(nullptr, "missing required field 'before'");
      }
    });
    k.added = version_field(r, "added");
    k.removed = version_field(r, "removed");
    k.vendor = r.string("vendor", Field::optional).value_or("");
    if (auto n = r.string("netns", Field::required)) {
      k.netns = parse_netns_scope(*n);
      if (!k.netns)
        r.error(r.table().get("netns"), "'netns' must be \"yes\", \"no\", \"readonly\" or \"n/a\"");
    }
    k.netns_since = version_field(r, "netns_since");
    if (auto ni = r.string("netns_init", Field::optional)) {
      if (*ni != "default" && *ni != "copy")
        r.error(r.table().get("netns_init"), "'netns_init' must be \"default\" or \"copy\"");
      k.netns_init = *ni;
    }
    k.unit = r.string("unit", Field::optional).value_or("");
    k.moved = r.string("moved", Field::optional).value_or("");
    k.summary = r.string("summary", Field::required).value_or("");
    k.explain = r.string("explain", Field::required).value_or("");
    k.references = r.strings("references", Field::required).value_or(std::vector<std::string>{});
    if (errors.size() == errors_before && !k.path.empty()) out.add(std::move(k));
  });
  top.finish();
  return errors;
}

CheckInfo read_check_info(TableReader& r, std::set<std::string>& seen, const CheckCatalog& known) {
  CheckInfo c;
  c.code = r.string("code", Field::required).value_or("");
  bool code_ok = c.code.size() == 6 && c.code.rfind("TT", 0) == 0 &&
                 c.code.find_first_not_of("0123456789", 2) == std::string::npos;
  if (!code_ok) r.error(r.table().get("code"), "'code' must look like \"TT2003\"");
  if (!seen.insert(c.code).second || known.find(c.code) != nullptr)
    r.error(r.table().get("code"), "duplicate code '" + c.code + "'");
  c.name = r.string("name", Field::required).value_or("");
  if (auto s = r.string("severity", Field::required)) {
    if (auto sev = parse_severity(*s)) {
      c.severity = *sev;
    } else {
      r.error(r.table().get("severity"), "'severity' must be \"error\", \"warning\" or \"info\"");
    }
  }
  c.title = r.string("title", Field::required).value_or("");
  c.explain = r.string("explain", Field::required).value_or("");
  c.hint = r.string("hint", Field::required).value_or("");
  c.references = r.strings("references", Field::required).value_or(std::vector<std::string>{});
  return c;
}

std::vector<Finding> load_check_catalog(const std::string& text, const std::string& file,
                                        CheckCatalog& out) {
  std::vector<Finding> errors;
  Result<toml::table, Finding> parsed = parse_toml(text, file);
  if (!parsed.ok()) return {parsed.error()};
  const toml::table* doc = &parsed.value();
  TableReader top(*doc, file, errors);
  std::set<std::string> seen;
  top.tables("check", Field::required, [&](TableReader& r) {
    std::size_t errors_before = errors.size();
    CheckInfo c = read_check_info(r, seen, out);
    if (errors.size() == errors_before) out.add(std::move(c));
  });
  top.finish();
  return errors;
}

std::vector<Finding> load_services(const std::string& text, const std::string& file, Catalog& out) {
  std::vector<Finding> errors;
  Result<toml::table, Finding> parsed = parse_toml(text, file);
  if (!parsed.ok()) return {parsed.error()};
  const toml::table* doc = &parsed.value();
  TableReader top(*doc, file, errors);
  std::map<std::string, std::string> fixes;
  top.tables("kind", Field::required, [&](TableReader& r) {
    std::optional<std::string> name = r.string("name", Field::required);
    std::optional<std::string> fix = r.string("fix", Field::required);
    if (name && fix && !fixes.emplace(*name, *fix).second)
      r.error(r.table().get("name"), "duplicate kind '" + *name + "'");
    if (name && fix) out.add_kind_fix(*name, *fix);
  });
  std::set<std::int64_t> ports;
  top.tables("service", Field::required, [&](TableReader& r) {
    Service s;
    std::optional<std::int64_t> port = r.integer("port", Field::required);
    std::optional<std::string> name = r.string("name", Field::required);
    std::optional<std::string> kind = r.string("kind", Field::required);
    if (!port || !name || !kind) return;
    if (*port < 1 || *port > 65535) {
      r.error(r.table().get("port"), "'port' must be 1..65535");
      return;
    }
    if (!ports.insert(*port).second) {
      r.error(r.table().get("port"), "duplicate port " + std::to_string(*port));
      return;
    }
    auto f = fixes.find(*kind);
    if (f == fixes.end()) {
      r.error(r.table().get("kind"), "unknown kind '" + *kind + "' (no [[kind]] with that name)");
      return;
    }
    s.port = static_cast<int>(*port);
    s.name = *name;
    s.kind = *kind;
    s.fix = f->second;
    out.add_service(std::move(s));
  });
  return errors;
}

}  // namespace tcptune
