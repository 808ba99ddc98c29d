#include "census/counters.hpp"

#include <vector>

#include "core/text_util.hpp"

namespace tcptune {

std::map<std::string, std::int64_t> parse_snmp_counters(std::string_view text) {
  std::map<std::string, std::int64_t> out;
  std::vector<std::string_view> lines = split(text, '\n');
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    std::vector<std::string_view> names = split_ws(lines[i]);
    std::vector<std::string_view> values = split_ws(lines[i + 1]);
    if (names.empty() || values.empty() || names.front() != values.front() ||
        names.front().back() != ':' || names.size() != values.size()) {
      continue;
    }
    // A header line has names; its value line has numbers in the same positions.
    if (!parse_kernel_int(values.size() > 1 ? values[1] : "x")) continue;
    std::string prefix(names.front().substr(0, names.front().size() - 1));
    for (std::size_t k = 1; k < names.size(); ++k) {
      if (auto v = parse_kernel_int(values[k])) out[prefix + "." + std::string(names[k])] = *v;
    }
    ++i;
  }
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
