#pragma once
/// One TCP socket as the census sees it, from netlink sock_diag or /proc/net/tcp{,6}.

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tcptune {

/// TCP states as the kernel numbers them (include/net/tcp_states.h).
enum class TcpState : std::uint8_t {
  established = 1,
  syn_sent = 2,
  syn_recv = 3,
  fin_wait1 = 4,
  fin_wait2 = 5,
  time_wait = 6,
  close = 7,
  close_wait = 8,
  last_ack = 9,
  listen = 10,
  closing = 11,
  new_syn_recv = 12,  ///< request sockets; reported as SYN_RECV
};

inline constexpr int k_state_slots = 12;  ///< index 1..11 used (NEW_SYN_RECV folded into SYN_RECV)

/// The kernel's name ("ESTABLISHED", "SYN_RECV"...), "" for 0 or unknown values.
std::string_view state_name(int state);

/// The idiag_timer value of TIME_WAIT mini-sockets (and orphaned FIN_WAIT2 ones).
inline constexpr std::uint8_t k_timer_timewait = 3;

struct SocketRecord {
  std::uint8_t family = 0;  ///< AF_INET or AF_INET6 (as reported)
  std::uint8_t state = 0;   ///< 1..11 (12 is folded to 3 by the parsers)
  std::uint8_t timer = 0;
  bool v4 = false;  ///< IPv4, or an IPv4-mapped IPv6 address pair (one port space)
  std::array<std::uint8_t, 16> local{};  ///< network order; IPv4 in the first 4 bytes when v4
  std::array<std::uint8_t, 16> remote{};
  std::uint16_t local_port = 0;  ///< host order
  std::uint16_t remote_port = 0;
  std::uint32_t rqueue = 0;  ///< LISTEN: current accept queue
  std::uint32_t wqueue = 0;  ///< LISTEN (netlink): accept queue maximum
  std::uint32_t inode = 0;   ///< 0 for orphans and mini-sockets
  /// Identity across two snapshots: the sock_diag cookie (kept by the TIME_WAIT mini-socket
  /// that replaces a connection); from /proc/net/tcp, a hash of the 4-tuple.
  std::uint64_t cookie = 0;
  /// netlink: INET_DIAG_CGROUP_ID, the id (on 64-bit kernels the inode) of the cgroup v2
  /// directory the socket was created in; 0 when absent (mini-sockets, /proc/net/tcp).
  std::uint64_t cgroup_id = 0;
};

/// The hash of census keys: an address pair and ports (the addresses 4 bytes long when `v4`,
/// else 16) loaded as 64-bit words, each folded in with a multiply, then a final avalanche
/// (the finalizer of MurmurHash3's 64-bit variant). A handful of dependent multiplies for any
/// key, where a byte-wise hash needs one per byte (36 for IPv6): this runs once per socket.
inline std::uint64_t hash_endpoints(bool v4, const std::array<std::uint8_t, 16>& local,
                                    const std::array<std::uint8_t, 16>& remote,
                                    std::uint16_t local_port, std::uint16_t remote_port) {
  constexpr std::uint64_t k = 0x9e3779b97f4a7c15ull;
  auto fold = [](std::uint64_t h, std::uint64_t w) {
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 31);
  };
  std::uint64_t h =
      k ^ (std::uint64_t{local_port} << 17) ^ (std::uint64_t{remote_port} << 1) ^ (v4 ? 1u : 0u);
  if (v4) {
    std::uint32_t l = 0;
    std::uint32_t r = 0;
    std::memcpy(&l, local.data(), 4);
    std::memcpy(&r, remote.data(), 4);
    h = fold(h, (std::uint64_t{l} << 32) | r);
  } else {
    std::uint64_t w[4];
    std::memcpy(w, local.data(), 16);
    std::memcpy(w + 2, remote.data(), 16);
    h = fold(fold(fold(fold(h, w[0]), w[1]), w[2]), w[3]);
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

/// A 64-bit hash of the 4-tuple, the identity /proc/net/tcp can offer (no cookie there).
std::uint64_t tuple_identity(const SocketRecord& r);

/// Text form of an address ("127.0.0.1", "::1").
std::string address_text(const std::array<std::uint8_t, 16>& addr, bool v4);

/// "10.0.0.5:3306", "[2001:db8::1]:443".
std::string endpoint_text(const std::array<std::uint8_t, 16>& addr, bool v4, std::uint16_t port);

/// 127.0.0.0/8 or ::1.
bool is_loopback(const std::array<std::uint8_t, 16>& addr, bool v4);

/// Folds an IPv4-mapped IPv6 pair (::ffff:a.b.c.d) into IPv4 form, sets `v4`.
void normalize_mapped(SocketRecord& r);

}  // namespace tcptune
