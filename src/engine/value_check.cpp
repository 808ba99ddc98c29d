#include "engine/value_check.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "core/sysctl_value.hpp"
#include "core/text_util.hpp"
#include "engine/boot_model.hpp"

namespace tcptune {

namespace {

bool integer_kind(KeyType t) {
  return t == KeyType::int_ || t == KeyType::uint_ || t == KeyType::ulong_;
}

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

// Whether the kernel refuses a value outside the range (TT3002) or takes it (TT3003).
enum class Refused { no, yes };

std::optional<ValueProblem> out_of_range(const KeyInfo& k, const std::string& shown,
                                         Refused refused) {
  std::string want = range_text(k);
  if (refused == Refused::yes) {
    return ValueProblem{"TT3002",
                        k.name + " = " + shown + " is out of range: it must be " + want +
                            "; the kernel rejects it with EINVAL and keeps the old value"};
  }
  return ValueProblem{"TT3003", k.name + " = " + shown + " is outside the meaningful range (" +
                                    want + "); the kernel accepts it"};
}

bool in_range(const KeyInfo& k, std::int64_t v) {
  if (k.type == KeyType::enum_)
    return std::find(k.values.begin(), k.values.end(), v) != k.values.end();
  if (k.type == KeyType::bitmask) return v >= 0 && (v & ~k.mask.value_or(0)) == 0;
  if (k.min && v < *k.min) return false;
  if (k.max && v > *k.max) return false;
  return true;
}

// What the kernel does with the write, from the handler data of the catalog (the same judgement
// as `tcptune config`, measured against the live kernel by tests/fidelity): nullopt when the
// kernel takes the value as written (the type and range checks below then apply). Verified on
// 6.18: `tcp_keepalive_probes = 300` is EINVAL (a u8 handler); `tcp_fin_timeout = 56 # note`
// stores 56 (the integer parser stops at the blank after the number); `1210;x` is EINVAL.
std::optional<ValueProblem> kernel_check(const KeyInfo& k, const std::string& value,
                                         const std::string& shown) {
  if (!integer_kind(k.kernel.kind) || k.pattern) return std::nullopt;
  KernelVerdict v = kernel_write(k.path, value, "", {}, &k, NetnsKind::initial);
  if (!v.error.empty()) {
    std::string why = v.error.substr(v.error.find(':') + 2);
    bool range = why.find("outside") != std::string::npos ||
                 why.find("does not fit") != std::string::npos ||
                 why.find("negative") != std::string::npos;
    if (!range) return std::nullopt;  // not an integer: the type check below says so (TT3001)
    return ValueProblem{"TT3002",
                        k.name + " = " + shown + ": " + why +
                            "; the kernel rejects it with EINVAL and keeps the old value"};
  }
  // Accepted: text after the numbers the handler reads is ignored by the kernel.
  std::vector<std::string_view> f = split_ws(value);
  std::size_t n = static_cast<std::size_t>(std::max(1, k.kernel.count));
  if (v.value && f.size() > n) {
    std::vector<std::string> kept(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(n));
    std::string rest(f[n].data(), value.data() + value.size() - f[n].data());
    for (const std::string& x : kept)
      if (auto i = parse_kernel_int(x); i && !in_range(k, *i))
        return out_of_range(k, shown, Refused::no);
    std::string head = k.name + " = " + shown + ": both programs write the whole text; the kernel ";
    return ValueProblem{"TT1014", head + "keeps " + join(kept, " ") + " and ignores '" + rest +
                                      "' (there are no inline comments in sysctl.d)"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<ValueProblem> check_value(const KeyInfo& k, const std::string& value) {
  std::string shown = "'" + value + "'";
  switch (k.type) {
    case KeyType::string:
    case KeyType::other: {
      // No inline comments in sysctl.d: both programs write the whole text.
      const std::size_t c = inline_comment_start(value);
      if (c == std::string::npos) return std::nullopt;
      if (k.path == "net/ipv4/tcp_congestion_control") {
        return ValueProblem{"TT3002", k.name + " = " + shown +
                                          ": both programs write the whole text, and no "
                                          "congestion control has that name; the kernel "
                                          "refuses it with ENOENT and keeps the old value"};
      }
      return ValueProblem{"TT1014", k.name + " = " + shown +
                                        ": both programs write the whole text; the kernel "
                                        "stores it with '" +
                                        value.substr(c) +
                                        "' (there are no inline comments in sysctl.d)"};
    }
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
  if (std::optional<ValueProblem> p = kernel_check(k, value, shown)) return *p;
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
    // With the handler's data, the kernel check above has already refused what the kernel
    // refuses: a value outside the range here is one the kernel takes.
    if (!in_range(k, *v))
      return out_of_range(
          k, shown,
          k.enforced && !(integer_kind(k.kernel.kind) && !k.pattern) ? Refused::yes : Refused::no);
  }
  return std::nullopt;
}

}  // namespace tcptune
