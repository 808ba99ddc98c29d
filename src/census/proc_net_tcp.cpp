#include "census/proc_net_tcp.hpp"

#include <sys/socket.h>

#include <cstring>

#include "core/text_util.hpp"

namespace tcptune {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads exactly n hex digits as an unsigned value.
bool read_hex(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 16) return false;
  out = 0;
  for (char c : s) {
    int d = hex_digit(c);
    if (d < 0) return false;
    out = (out << 4) | static_cast<unsigned>(d);
  }
  return true;
}

// "0100007F:1388" (v4) or 32 hex digits ":" port (v6). The address is printed as 32-bit words
// in host order: reinterpret each word's bytes in memory order (little-endian hosts).
bool read_endpoint(std::string_view s, bool ipv6, std::array<std::uint8_t, 16>& addr,
                   std::uint16_t& port) {
  std::size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view a = s.substr(0, colon);
  std::uint64_t p = 0;
  if (!read_hex(s.substr(colon + 1), p) || p > 0xffff) return false;
  port = static_cast<std::uint16_t>(p);
  std::size_t words = ipv6 ? 4 : 1;
  if (a.size() != words * 8) return false;
  addr.fill(0);
  for (std::size_t w = 0; w < words; ++w) {
    std::uint64_t v = 0;
    if (!read_hex(a.substr(w * 8, 8), v)) return false;
    auto word = static_cast<std::uint32_t>(v);
    std::memcpy(addr.data() + w * 4, &word, 4);  // the kernel printed the in-memory word
  }
  return true;
}

}  // namespace

ProcParseStats parse_proc_net_tcp(std::string_view text, bool ipv6,
                                  const std::function<void(const SocketRecord&)>& sink) {
  ProcParseStats st;
  std::size_t pos = 0;
  bool header = true;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++st.lines;
    if (header) {  // "  sl  local_address rem_address   st ..."
      header = false;
      if (line.find("local_address") != std::string_view::npos) continue;
    }
    if (trim(line).empty()) continue;
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
    std::vector<std::string_view> f = split_ws(line);
    SocketRecord r;
    r.family = ipv6 ? AF_INET6 : AF_INET;
    std::uint64_t state = 0;
    std::uint64_t tx = 0;
    std::uint64_t rx = 0;
    std::uint64_t tr = 0;
    bool ok = f.size() >= 10 && read_endpoint(f[1], ipv6, r.local, r.local_port) &&
              read_endpoint(f[2], ipv6, r.remote, r.remote_port) && read_hex(f[3], state) &&
              state >= 1 && state <= 12;
    if (ok) {
      std::size_t c1 = f[4].find(':');
      std::size_t c2 = f[5].find(':');
      ok = c1 != std::string_view::npos && c2 != std::string_view::npos &&
           read_hex(f[4].substr(0, c1), tx) && read_hex(f[4].substr(c1 + 1), rx) &&
           read_hex(f[5].substr(0, c2), tr);
    }
    if (!ok) {
      ++st.malformed;
      if (st.first_bad_line == 0) st.first_bad_line = st.lines;
      continue;
    }
    r.state = static_cast<std::uint8_t>(state == 12 ? 3 : state);
    r.timer = static_cast<std::uint8_t>(tr);
    r.wqueue = static_cast<std::uint32_t>(tx);
    r.rqueue = static_cast<std::uint32_t>(rx);
    if (auto inode = parse_kernel_int(f[9])) r.inode = static_cast<std::uint32_t>(*inode);
    if (r.state == static_cast<std::uint8_t>(TcpState::listen))
      r.wqueue = 0;  // /proc has no max backlog
    normalize_mapped(r);
    r.cookie = tuple_identity(r);
    ++st.sockets;
    sink(r);
  }
  return st;
}

}  // namespace tcptune
