#pragma once
/// Reading sysctl values as text: integer fields, port lists, the kernel's whitespace (pure).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcptune {

/// The integer fields of a value ("32768 60999" → {32768, 60999}); nullopt if any is not one.
std::optional<std::vector<std::int64_t>> parse_int_fields(std::string_view value);

/// A port list ("8080,9000-9010") → the set of ports; nullopt when malformed.
std::optional<std::vector<std::pair<int, int>>> parse_port_list(const std::string& value);

/// Normalizes whitespace: fields separated by single spaces (the kernel's reply format).
std::string normalize_value(std::string_view value);

/// Where text that looks like an inline comment starts in a value: the first '#' or ';' after a
/// blank (`30 # note`), or npos. Neither boot program has inline comments: they write it all.
std::size_t inline_comment_start(std::string_view value);

}  // namespace tcptune
