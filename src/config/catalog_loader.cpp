#include "config/catalog_loader.hpp"

#include <set>

#include "config/toml_reader.hpp"
#include "core/sysctl_key.hpp"

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

void load_key_catalog(const std::string& text, const std::string& file, Catalog& out,
                      std::vector<Finding>& errors) {
  std::optional<toml::table> doc = parse_toml(text, file, errors);
  if (!doc) return;
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
      if (*n != "yes" && *n != "no" && *n != "readonly" && *n != "n/a") {
        r.error(r.table().get("netns"), "'netns' must be \"yes\", \"no\", \"readonly\" or \"n/a\"");
      }
      k.netns = *n;
    }
    k.netns_since = version_field(r, "netns_since");
    if (auto ni = r.string("netns_init", Field::optional)) {
      if (*ni != "default" && *ni != "copy")
        r.error(r.table().get("netns_init"), "'netns_init' must be \"default\" or \"copy\"");
      k.netns_init = *ni;
    }
    k.unit = r.string("unit", Field::optional).value_or("");
    k.summary = r.string("summary", Field::required).value_or("");
    k.explain = r.string("explain", Field::required).value_or("");
    k.references = r.strings("references", Field::required).value_or(std::vector<std::string>{});
    if (errors.size() == errors_before && !k.path.empty()) out.add(std::move(k));
  });
  top.finish();
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

void load_check_catalog(const std::string& text, const std::string& file, CheckCatalog& out,
                        std::vector<Finding>& errors) {
  std::optional<toml::table> doc = parse_toml(text, file, errors);
  if (!doc) return;
  TableReader top(*doc, file, errors);
  std::set<std::string> seen;
  top.tables("check", Field::required, [&](TableReader& r) {
    std::size_t errors_before = errors.size();
    CheckInfo c = read_check_info(r, seen, out);
    if (errors.size() == errors_before) out.add(std::move(c));
  });
  top.finish();
}

}  // namespace tcptune
