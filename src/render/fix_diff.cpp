#include "render/fix_diff.hpp"

#include <map>

namespace tcptune {

namespace {

struct Hunk {
  int first = 0;  // 1-based, inclusive
  int last = 0;
};

constexpr int k_context = 3;

// A file name on a ---/+++ line as git writes it, which git apply and GNU patch (2.7+) both
// read: C-quoted when it holds a quote, a backslash, a control character or a byte that is
// not ASCII; followed by a tab when it holds a space (GNU patch ends a name at a tab).
std::string diff_name(const std::string& name) {
  bool quote = false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    quote = quote || c == '"' || c == '\\' || u < 0x20 || u >= 0x7f;
  }
  if (!quote) return name.find(' ') == std::string::npos ? name : name + "\t";
  std::string out = "\"";
  const char* octal = "01234567";
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u >= 0x7f) {
      out += '\\';
      out += octal[(u >> 6) & 7];
      out += octal[(u >> 3) & 7];
      out += octal[u & 7];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string range(int start, int count) {
  return count == 1 ? std::to_string(start) : std::to_string(start) + "," + std::to_string(count);
}

void file_diff(const ParsedFile& p, const std::map<int, const LineEdit*>& edits, std::string& out) {
  const int n = static_cast<int>(p.line_count());
  std::vector<Hunk> hunks;
  for (const auto& [line, edit] : edits) {
    int first = std::max(1, line - k_context);
    int last = std::min(n, line + k_context);
    if (!hunks.empty() && first <= hunks.back().last + 1) {
      hunks.back().last = last;
    } else {
      hunks.push_back({first, last});
    }
  }
  out += "--- " + diff_name("a/" + diff_path(p.path)) + "\n+++ " +
         diff_name("b/" + diff_path(p.path)) + "\n";
  const char* no_newline = "\\ No newline at end of file\n";
  int delta = 0;
  for (const Hunk& h : hunks) {
    std::string body;
    int old_count = 0;
    int new_count = 0;
    for (int i = h.first; i <= h.last; ++i) {
      const std::string_view text = p.line_text(i);
      bool at_end = i == n && !p.final_newline;
      auto it = edits.find(i);
      if (it == edits.end()) {
        body.append(" ").append(text).append("\n");
        if (at_end) body += no_newline;
        ++old_count;
        ++new_count;
        continue;
      }
      body.append("-").append(text).append("\n");
      if (at_end) body += no_newline;
      ++old_count;
      const std::vector<std::string>& repl = it->second->replacement;
      for (std::size_t r = 0; r < repl.size(); ++r) {
        body += "+" + repl[r] + "\n";
        if (at_end && r + 1 == repl.size()) body += no_newline;
        ++new_count;
      }
    }
    int new_start = h.first + delta;
    out += "@@ -" + range(h.first, old_count) + " +" +
           range(new_count == 0 ? new_start - 1 : new_start, new_count) + " @@\n" + body;
    delta += new_count - old_count;
  }
}

}  // namespace

std::string diff_path(const std::string& file) {
  std::size_t at = 0;
  while (at < file.size()) {
    if (file.compare(at, 2, "./") == 0) {
      at += 2;
    } else if (file[at] == '/') {
      ++at;
    } else {
      break;
    }
  }
  return file.substr(at);
}

std::string render_fix_diff(const std::vector<Finding>& findings, const ConfigSet& set) {
  // Per file, in the order files are first named by a fix: line → edit.
  std::vector<std::string> order;
  std::map<std::string, std::map<int, const LineEdit*>> edits;
  for (const Finding& f : findings) {
    if (!f.fix || f.file.empty()) continue;
    std::map<int, const LineEdit*>& mine = edits[f.file];
    bool clash = false;
    for (const LineEdit& e : f.fix->edits) clash = clash || mine.count(e.line) != 0;
    if (clash) continue;
    if (mine.empty()) order.push_back(f.file);
    for (const LineEdit& e : f.fix->edits) mine[e.line] = &e;
  }
  std::string out;
  for (const std::string& file : order) {
    for (const ParsedFile& p : set.parsed) {
      if (p.path != file) continue;
      if (!p.lines_exact) break;
      bool current = true;
      for (const auto& [line, e] : edits[file]) {
        current = current && line >= 1 && static_cast<std::size_t>(line) <= p.line_count() &&
                  p.line_text(line) == e->original;
      }
      if (current) file_diff(p, edits[file], out);
      break;
    }
  }
  return out;
}

}  // namespace tcptune
