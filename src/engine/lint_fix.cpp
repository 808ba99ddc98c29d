#include "engine/lint_fix.hpp"

#include "core/sysctl_value.hpp"
#include "core/text_util.hpp"
#include "engine/value_check.hpp"

namespace tcptune {

namespace {

Fix delete_line(const ParsedFile& p, int line, std::string description) {
  return Fix{std::move(description), {LineEdit{line, std::string(p.line_text(line)), {}}}};
}

// Replaces the entry's value (as written, at value_column) by `value`.
std::optional<Fix> set_value(const ParsedFile& p, const SysctlEntry& e, const std::string& value,
                             std::string description) {
  const std::string_view line = p.line_text(e.line);
  if (e.value_column < 1 ||
      line.compare(static_cast<std::size_t>(e.value_column) - 1, e.value.size(), e.value) != 0) {
    return std::nullopt;
  }
  return Fix{
      std::move(description),
      {LineEdit{e.line, std::string(line), {splice(line, e.value_column, e.value.size(), value)}}}};
}

// `ip_local_port_range` with the high end moved by one so that the ends differ in parity:
// up when there is room (no port of the chosen range is lost), else down.
std::optional<Fix> fix_parity(const ParsedFile& p, const SysctlEntry& e) {
  auto ints = parse_int_fields(e.value);
  if (!ints || ints->size() != 2) return std::nullopt;
  std::int64_t lo = (*ints)[0];
  std::int64_t hi = (*ints)[1];
  if (lo % 2 != hi % 2) return std::nullopt;
  std::int64_t fixed = hi < 65535 ? hi + 1 : hi - 1;
  if (fixed <= lo) return std::nullopt;
  std::size_t last = e.value.find_last_of(" \t");
  if (last == std::string::npos) return std::nullopt;
  std::string value = cat(e.value.substr(0, last + 1), std::to_string(fixed));
  return set_value(p, e, value,
                   "Set the range to " + std::to_string(lo) + " " + std::to_string(fixed) +
                       " (ends of different parity)");
}

// `key = 30 # comment`: systemd-sysctl and procps write the comment as part of the value (the
// kernel's integer parser stops at the blank, TT1014; a string key keeps it, TT3001). The comment
// goes on its own line above, when the value without it is a good one.
std::optional<Fix> move_comment(const ParsedFile& p, const SysctlEntry& e, const KeyInfo& info) {
  const std::size_t hash = inline_comment_start(e.value);
  if (hash == std::string::npos) return std::nullopt;
  std::string head(trim(e.value.substr(0, hash)));
  if (head.empty() || check_value(info, head)) return std::nullopt;
  const std::string_view line = p.line_text(e.line);
  std::size_t indent = line.find_first_not_of(" \t");
  std::string lead(line.substr(0, indent == std::string_view::npos ? 0 : indent));
  std::optional<Fix> f =
      set_value(p, e, head, "Move the inline comment to its own line (the value is " + head + ")");
  if (!f) return std::nullopt;
  std::string assignment = f->edits.front().replacement.front();
  f->edits.front().replacement = {cat(lead, e.value.substr(hash)), assignment};
  return f;
}

}  // namespace

std::string splice(std::string_view line, int column, std::size_t length, std::string_view text) {
  std::size_t at = static_cast<std::size_t>(column) - 1;
  std::string out(line.substr(0, at));
  out += text;
  out += line.substr(std::min(line.size(), at + length));
  return out;
}

namespace {

std::optional<Fix> find_fix(const Finding& f, const ParsedFile& p, const SysctlEntry& e,
                            const Catalog& keys, const std::optional<KernelVersion>& kernel,
                            const std::string& suggestion) {
  if (!p.lines_exact || e.line < 1 || static_cast<std::size_t>(e.line) > p.line_count())
    return std::nullopt;
  const std::string& code = f.code;
  const KeyInfo* info = keys.find(e.path);
  if ((code == "TT2006" || code == "TT2001") && !suggestion.empty()) {
    const std::string_view line = p.line_text(e.line);
    if (e.key_column < 1 || line.compare(static_cast<std::size_t>(e.key_column) - 1,
                                         e.raw_key.size(), e.raw_key) != 0) {
      return std::nullopt;
    }
    return Fix{"Correct the key to " + suggestion,
               {LineEdit{e.line,
                         std::string(line),
                         {splice(line, e.key_column, e.raw_key.size(), suggestion)}}}};
  }
  if (code == "TT2003") return delete_line(p, e.line, "Delete the line");
  if (code == "TT2004") return delete_line(p, e.line, "Delete the line (a vendor-only key)");
  if (code == "TT2001" && info != nullptr && kernel &&
      keys.presence(*info, *kernel).state == Presence::removed) {
    return delete_line(p, e.line, "Delete the line (the key was removed from the kernel)");
  }
  if (code == "TT1011") return delete_line(p, e.line, "Delete the line (an empty value)");
  if (code == "TT4004") return delete_line(p, e.line, "Delete the line (back to the boot default)");
  if (code == "TT1006") {
    for (const auto& [name, v] : f.evidence) {
      if (name != "first_line") continue;
      if (const auto* first = std::get_if<std::int64_t>(&v); first != nullptr && *first < e.line)
        return delete_line(
            p, static_cast<int>(*first),
            "Delete the earlier assignment on line " + std::to_string(*first) + " (this one wins)");
    }
    return std::nullopt;
  }
  if (code == "TT4001") return fix_parity(p, e);
  if (code == "TT4005" || code == "TT4007" || code == "TT4008") {
    std::optional<std::string> def = info != nullptr ? info->default_for(kernel) : std::nullopt;
    if (!def || def->empty()) return std::nullopt;
    if (info != nullptr && check_value(*info, *def)) return std::nullopt;
    return set_value(p, e, *def, "Set " + *def + " (the kernel default)");
  }
  if ((code == "TT1014" || code == "TT3001" || code == "TT3002" || code == "TT3003") &&
      info != nullptr)
    return move_comment(p, e, *info);
  return std::nullopt;
}

}  // namespace

std::optional<Fix> lint_fix(const Finding& f, const ParsedFile& p, const SysctlEntry& e,
                            const Catalog& keys, const std::optional<KernelVersion>& kernel,
                            const std::string& suggestion) {
  std::optional<Fix> fix = find_fix(f, p, e, keys, kernel, suggestion);
  if (fix) {
    for (LineEdit& edit : fix->edits)
      edit.final_newline = p.final_newline || static_cast<std::size_t>(edit.line) < p.line_count();
  }
  return fix;
}

}  // namespace tcptune
