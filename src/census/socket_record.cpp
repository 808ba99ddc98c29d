#include "census/socket_record.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace tcptune {

std::string_view state_name(int state) {
  static constexpr std::string_view names[] = {
      "",      "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
      "CLOSE", "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "SYN_RECV"};
  if (state < 0 || state > 12) return "";
  return names[state];
}

std::string address_text(const std::array<std::uint8_t, 16>& addr, bool v4) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(v4 ? AF_INET : AF_INET6, addr.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

namespace {

bool is_mapped(const std::array<std::uint8_t, 16>& a) {
  static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a.data(), prefix, 12) == 0;
}

bool is_any6(const std::array<std::uint8_t, 16>& a) {
  return std::all_of(a.begin(), a.end(), [](std::uint8_t b) { return b == 0; });
}

void to_v4(std::array<std::uint8_t, 16>& a) {
  std::memmove(a.data(), a.data() + 12, 4);
  std::fill(a.begin() + 4, a.end(), 0);
}

}  // namespace

std::string endpoint_text(const std::array<std::uint8_t, 16>& addr, bool v4, std::uint16_t port) {
  std::string a = address_text(addr, v4);
  return (v4 ? a : "[" + a + "]") + ":" + std::to_string(port);
}

bool is_loopback(const std::array<std::uint8_t, 16>& addr, bool v4) {
  if (v4) return addr[0] == 127;
  for (std::size_t i = 0; i < 15; ++i) {
    if (addr[i] != 0) return false;
  }
  return addr[15] == 1;
}

void normalize_mapped(SocketRecord& r) {
  if (r.family == AF_INET) {
    r.v4 = true;
    return;
  }
  // A connected dual-stack socket carries mapped addresses on both ends; a listener may have
  // "::" locally. Only fold when both ends are IPv4 in disguise.
  if (is_mapped(r.local) && (is_mapped(r.remote) || is_any6(r.remote))) {
    to_v4(r.local);
    if (is_mapped(r.remote)) to_v4(r.remote);
    r.v4 = true;
  }
}

std::uint64_t tuple_identity(const SocketRecord& r) {
  const std::uint64_t h = hash_endpoints(r.v4, r.local, r.remote, r.local_port, r.remote_port);
  return h == 0 ? 1 : h;
}

}  // namespace tcptune
