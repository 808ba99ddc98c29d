#include "engine/value_check.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "core/text_util.hpp"

namespace tcptune {

std::optional<std::vector<std::int64_t>> parse_int_fields(const std::string& value) {
  std::vector<std::int64_t> out;
  for (std::string_view f : split_ws(value)) {
    std::optional<std::int64_t> v = parse_kernel_int(f);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

std::optional<std::vector<std::pair<int, int>>> parse_port_list(const std::string& value) {
  std::vector<std::pair<int, int>> out;
  std::string_view v = trim(value);
  if (v.empty()) return out;
  for (std::string_view item : split(v, ',')) {
    item = trim(item);
    std::size_t dash = item.find('-');
    std::string_view lo_s = trim(item.substr(0, dash));
    std::string_view hi_s = dash == std::string_view::npos ? lo_s : trim(item.substr(dash + 1));
    auto lo = parse_kernel_int(lo_s);
    auto hi = parse_kernel_int(hi_s);
    if (!lo || !hi || *lo < 0 || *hi > 65535 || *lo > *hi) return std::nullopt;
    out.emplace_back(static_cast<int>(*lo), static_cast<int>(*hi));
  }
  return out;
}

std::string normalize_value(const std::string& value) {
  std::vector<std::string> parts;
  for (std::string_view f : split_ws(value)) parts.emplace_back(f);
  return join(parts, " ");
}

namespace {

std::string range_text(const KeyInfo& k) {
  if (k.type == KeyType::enum_) {
    std::vector<std::string> v;
    for (auto x : k.values) v.push_back(std::to_string(x));
    return "one of " + join(v, ", ");
  }
  if (k.type == KeyType::bitmask)
    return "a combination of the bits in 0x" + [&] {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(k.mask.value_or(0)));
      return std::string(buf);
    }();
  if (k.min && k.max) return "between " + std::to_string(*k.min) + " and " + std::to_string(*k.max);
  if (k.min) return "at least " + std::to_string(*k.min);
  if (k.max) return "at most " + std::to_string(*k.max);
  return "";
}

std::optional<ValueProblem> out_of_range(const KeyInfo& k, const std::string& shown) {
  std::string want = range_text(k);
  if (k.enforced) {
    return ValueProblem{"TT3002",
                        k.name + " = " + shown + " is out of range: it must be " + want +
                            "; the kernel rejects it with EINVAL and keeps the old value"};
  }
  return ValueProblem{"TT3003", k.name + " = " + shown + " is outside the meaningful range (" +
                                    want + "); the kernel accepts it silently"};
}

bool in_range(const KeyInfo& k, std::int64_t v) {
  if (k.type == KeyType::enum_)
    return std::find(k.values.begin(), k.values.end(), v) != k.values.end();
  if (k.type == KeyType::bitmask) return v >= 0 && (v & ~k.mask.value_or(0)) == 0;
  if (k.min && v < *k.min) return false;
  if (k.max && v > *k.max) return false;
  return true;
}

}  // namespace

std::optional<ValueProblem> check_value(const KeyInfo& k, const std::string& value) {
  std::string shown = "'" + value + "'";
  switch (k.type) {
    case KeyType::string:
    case KeyType::other:
      return std::nullopt;
    case KeyType::port_list:
      if (!parse_port_list(value)) {
        return ValueProblem{"TT3001", k.name + " = " + shown +
                                          " is not a port list: expected comma-separated ports or "
                                          "ranges such as 8080,9000-9010 (ports 0-65535)"};
      }
      return std::nullopt;
    default:
      break;
  }
  std::vector<std::string_view> fields = split_ws(value);
  std::size_t want = k.type == KeyType::vector ? static_cast<std::size_t>(k.count) : 1;
  // A generated vector is an array handler: the kernel stores the fields given and keeps the
  // rest, so fewer fields are fine; more are EINVAL.
  bool count_ok =
      k.partial_vector ? !fields.empty() && fields.size() <= want : fields.size() == want;
  if (!count_ok) {
    return ValueProblem{"TT3001", k.name + " expects " + (k.partial_vector ? "1 to " : "") +
                                      std::to_string(want) +
                                      (want == 1 ? " integer" : " integers separated by spaces") +
                                      ", got " + std::to_string(fields.size()) + " field" +
                                      (fields.size() == 1 ? "" : "s") + " in " + shown};
  }
  std::int64_t lo = std::numeric_limits<std::int32_t>::min();
  std::int64_t hi = std::numeric_limits<std::int32_t>::max();
  KeyType kind = k.type == KeyType::vector ? k.element : k.type;
  if (kind == KeyType::uint_) {
    lo = 0;
    hi = std::numeric_limits<std::uint32_t>::max();
  } else if (kind == KeyType::ulong_) {
    lo = 0;
    hi = std::numeric_limits<std::int64_t>::max();
  }
  for (std::string_view f : fields) {
    std::optional<std::int64_t> v = parse_kernel_int(f);
    if (!v) {
      return ValueProblem{"TT3001", k.name + " = " + shown + ": '" + std::string(f) +
                                        "' is not an integer; the kernel rejects it with EINVAL"};
    }
    if (*v < lo || *v > hi) {
      return ValueProblem{
          "TT3002", k.name + " = " + shown + ": " + std::string(f) + " does not fit the key's " +
                        std::string(to_string(k.type)) +
                        " type; the kernel rejects it with EINVAL and keeps the old value"};
    }
    if (!in_range(k, *v)) return out_of_range(k, shown);
  }
  return std::nullopt;
}

}  // namespace tcptune
