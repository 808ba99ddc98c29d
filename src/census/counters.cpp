#include "census/counters.hpp"

#include <vector>

#include "core/text_util.hpp"

namespace tcptune {

void parse_snmp_counters_into(std::string_view text, std::map<std::string, std::int64_t>& out) {
  // About 300 counters at every census: one vector of fields per side, reused from line to
  // line, and each name built in one reused string.
  std::vector<std::string_view> lines = split(text, '\n');
  std::vector<std::string_view> names;
  std::vector<std::string_view> values;
  std::string name;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    split_ws_into(lines[i], names);
    split_ws_into(lines[i + 1], values);
    if (names.empty() || values.empty() || names.front() != values.front() ||
        names.front().back() != ':' || names.size() != values.size()) {
      continue;
    }
    // A header line has names; its value line has numbers in the same positions.
    if (!parse_kernel_int(values.size() > 1 ? values[1] : "x")) continue;
    const std::string_view prefix = names.front().substr(0, names.front().size() - 1);
    for (std::size_t k = 1; k < names.size(); ++k) {
      if (auto v = parse_kernel_int(values[k])) {
        name.assign(prefix).append(1, '.').append(names[k]);
        out.insert_or_assign(name, *v);
      }
    }
    ++i;
  }
}

std::map<std::string, std::int64_t> parse_snmp_counters(std::string_view text) {
  std::map<std::string, std::int64_t> out;
  parse_snmp_counters_into(text, out);
  return out;
}

std::map<std::string, std::int64_t> parse_sockstat(std::string_view text) {
  std::map<std::string, std::int64_t> out;
  for (std::string_view line : split(text, '\n')) {
    std::vector<std::string_view> f = split_ws(line);
    if (f.empty() || f.front().back() != ':') continue;
    std::string prefix(f.front().substr(0, f.front().size() - 1));
    for (std::size_t k = 1; k + 1 < f.size(); k += 2) {
      if (auto v = parse_kernel_int(f[k + 1])) out[prefix + "." + std::string(f[k])] = *v;
    }
  }
  return out;
}

const std::vector<std::string>& reported_counters_list() {
  static const std::vector<std::string> names{"TcpExt.TW",
                                              "TcpExt.TWRecycled",
                                              "TcpExt.TWKilled",
                                              "TcpExt.TCPTimeWaitOverflow",
                                              "TcpExt.PAWSPassive",
                                              "TcpExt.PAWSEstab",
                                              "TcpExt.ListenOverflows",
                                              "TcpExt.ListenDrops",
                                              "TcpExt.TCPAbortOnMemory",
                                              "Tcp.ActiveOpens",
                                              "Tcp.PassiveOpens",
                                              "Tcp.CurrEstab",
                                              "Tcp.AttemptFails",
                                              "Tcp.EstabResets",
                                              "TcpExt.TCPAbortOnTimeout",
                                              "TcpExt.TCPReqQFullDrop",
                                              "TcpExt.TCPReqQFullDoCookies",
                                              "TcpExt.SyncookiesSent",
                                              "TcpExt.TCPDeferAcceptDrop"};
  return names;
}

}  // namespace tcptune
