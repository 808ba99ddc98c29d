#include "core/sysctl_value.hpp"

#include "core/text_util.hpp"

namespace tcptune {

std::optional<std::vector<std::int64_t>> parse_int_fields(std::string_view value) {
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

std::string normalize_value(std::string_view value) {
  std::vector<std::string> parts;
  for (std::string_view f : split_ws(value)) parts.emplace_back(f);
  return join(parts, " ");
}

std::size_t inline_comment_start(std::string_view value) {
  for (std::size_t i = 1; i < value.size(); ++i) {
    if ((value[i] == '#' || value[i] == ';') && (value[i - 1] == ' ' || value[i - 1] == '\t'))
      return i;
  }
  return std::string_view::npos;
}

}  // namespace tcptune
