#pragma once
/// Parsers for the kernel's counter files (pure): /proc/net/netstat and /proc/net/snmp
/// ("Prefix: name name..." then "Prefix: value value...") and /proc/net/sockstat{,6}
/// ("TCP: inuse 1 orphan 0 tw 0 alloc 1 mem 40", parsed by keyword: extra fields tolerated).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tcptune {

/// "TcpExt.TW" → value. Mismatched header/value lines are skipped.
std::map<std::string, std::int64_t> parse_snmp_counters(std::string_view text);
/// The same, into `out` (a name already there takes the text's value).
void parse_snmp_counters_into(std::string_view text, std::map<std::string, std::int64_t>& out);

/// "TCP.inuse", "TCP.tw", "TCP6.inuse" → value.
std::map<std::string, std::int64_t> parse_sockstat(std::string_view text);

/// The counters tcptune reports, as "Prefix.Name".
const std::vector<std::string>& reported_counters_list();

}  // namespace tcptune
