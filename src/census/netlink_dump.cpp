#include "census/netlink_dump.hpp"

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "census/diag_parser.hpp"

namespace tcptune {

namespace {

constexpr std::size_t k_recv_buffer = 1u << 20;  // one recv() may carry many messages
constexpr int k_socket_buffer = 32 << 20;
constexpr std::uint16_t k_tcpdiag_getsock = 18;  // TCPDIAG_GETSOCK (linux/inet_diag.h)

struct Socket {
  mnl_socket* nl = nullptr;
  ~Socket() {
    if (nl != nullptr) mnl_socket_close(nl);
  }
};

enum class Outcome { ok, nobufs, failed };

Outcome dump_once(int family, std::uint32_t states,
                  const std::function<void(const SocketRecord&)>& sink,
                  const std::function<void(const std::uint8_t*, std::size_t)>* record,
                  DumpStats& stats, int& err) {
  Socket s;
  s.nl = mnl_socket_open(NETLINK_SOCK_DIAG);
  if (s.nl == nullptr) {
    err = errno;
    return Outcome::failed;
  }
  int fd = mnl_socket_get_fd(s.nl);
  int size = k_socket_buffer;
  // SO_RCVBUFFORCE (root) goes past rmem_max; fall back to SO_RCVBUF otherwise.
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  if (mnl_socket_bind(s.nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    err = errno;
    return Outcome::failed;
  }
  std::uint32_t portid = mnl_socket_get_portid(s.nl);

  alignas(nlmsghdr) std::uint8_t req_buf[8192] = {};
  nlmsghdr* nlh = mnl_nlmsg_put_header(req_buf);
  nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  std::uint32_t seq = 1;
  nlh->nlmsg_seq = seq;
  if (family == AF_UNSPEC) {
    // The legacy request: the kernel answers for both families in one walk of its tables.
    nlh->nlmsg_type = k_tcpdiag_getsock;
    auto* req = static_cast<inet_diag_req*>(mnl_nlmsg_put_extra_header(nlh, sizeof(inet_diag_req)));
    req->idiag_family = AF_INET;  // ignored by a dump
    req->idiag_ext = 0;
    req->idiag_states = states;
  } else {
    auto* req =
        static_cast<inet_diag_req_v2*>(mnl_nlmsg_put_extra_header(nlh, sizeof(inet_diag_req_v2)));
    req->sdiag_family = static_cast<std::uint8_t>(family);
    req->sdiag_protocol = IPPROTO_TCP;
    req->idiag_ext = 0;
    req->idiag_states = states;
  }
  if (mnl_socket_sendto(s.nl, nlh, nlh->nlmsg_len) < 0) {
    err = errno;
    return Outcome::failed;
  }
  // One receive buffer for every dump of the process (both families, both snapshots of
  // --sample, every frame of --watch): allocated once, its pages touched once.
  thread_local std::unique_ptr<std::uint8_t[]> buf;
  if (!buf) buf.reset(new std::uint8_t[k_recv_buffer]);
  while (true) {
    ssize_t n = mnl_socket_recvfrom(s.nl, buf.get(), k_recv_buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) return Outcome::nobufs;
      err = errno;
      return Outcome::failed;
    }
    if (n == 0) {
      err = ECONNRESET;
      return Outcome::failed;
    }
    stats.bytes += static_cast<std::size_t>(n);
    if (record != nullptr) (*record)(buf.get(), static_cast<std::size_t>(n));
    DiagResult r = parse_diag_buffer(buf.get(), static_cast<std::size_t>(n), seq, portid, sink);
    stats.sockets += r.sockets;
    if (r.status == DiagStatus::done) return Outcome::ok;
    if (r.status == DiagStatus::error) {
      err = r.err;
      return Outcome::failed;
    }
  }
}

}  // namespace

Result<DumpStats> netlink_dump(int family, std::uint32_t states,
                               const std::function<void(const SocketRecord&)>& sink,
                               const std::function<void(const std::uint8_t*, std::size_t)>* record,
                               std::size_t* delivered) {
  DumpStats stats;
  int err = 0;
  Outcome o = dump_once(family, states, sink, record, stats, err);
  if (delivered != nullptr) *delivered = stats.sockets;
  if (o == Outcome::ok) return stats;
  if (o == Outcome::nobufs) err = ENOBUFS;
  return SysError{err, "NETLINK_SOCK_DIAG",
                  family == AF_INET    ? "IPv4 TCP dump"
                  : family == AF_INET6 ? "IPv6 TCP dump"
                                       : "TCP dump"};
}

}  // namespace tcptune
