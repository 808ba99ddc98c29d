#include "census/diag_parser.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace tcptune {

namespace {

struct CbData {
  const std::function<void(const SocketRecord&)>* sink;
  std::size_t sockets = 0;
  bool bad = false;
};

int on_message(const nlmsghdr* nlh, void* data) {
  auto* d = static_cast<CbData*>(data);
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(inet_diag_msg)) {
    d->bad = true;
    return MNL_CB_ERROR;
  }
  inet_diag_msg msg;
  std::memcpy(&msg, mnl_nlmsg_get_payload(nlh), sizeof msg);  // the payload may be unaligned
  SocketRecord r;
  r.family = msg.idiag_family;
  if (r.family != AF_INET && r.family != AF_INET6) return MNL_CB_OK;  // not ours: skip
  r.state = msg.idiag_state == 12 ? 3 : msg.idiag_state;
  r.timer = msg.idiag_timer;
  std::memcpy(r.local.data(), msg.id.idiag_src, 16);
  std::memcpy(r.remote.data(), msg.id.idiag_dst, 16);
  r.local_port = ntohs(msg.id.idiag_sport);
  r.remote_port = ntohs(msg.id.idiag_dport);
  r.rqueue = msg.idiag_rqueue;
  r.wqueue = msg.idiag_wqueue;
  r.inode = msg.idiag_inode;
  normalize_mapped(r);
  ++d->sockets;
  (*d->sink)(r);
  return MNL_CB_OK;
}

}  // namespace

DiagResult parse_diag_buffer(const std::uint8_t* buf, std::size_t len, std::uint32_t seq,
                             std::uint32_t portid,
                             const std::function<void(const SocketRecord&)>& sink) {
  CbData data{&sink};
  DiagResult res;
  // Find where NLMSG_DONE ends, so that a caller holding several dumps can go on after it.
  int remaining = static_cast<int>(len);
  for (const auto* nlh = reinterpret_cast<const nlmsghdr*>(buf); mnl_nlmsg_ok(nlh, remaining);
       nlh = mnl_nlmsg_next(nlh, &remaining)) {
    if (nlh->nlmsg_type == NLMSG_DONE) {
      res.consumed = static_cast<std::size_t>(reinterpret_cast<const std::uint8_t*>(nlh) - buf) +
                     MNL_ALIGN(nlh->nlmsg_len);
      break;
    }
  }
  errno = 0;
  int rc = mnl_cb_run(buf, res.consumed != 0 ? res.consumed : len, seq, portid, on_message, &data);
  res.sockets = data.sockets;
  if (rc == MNL_CB_STOP) {
    res.status = DiagStatus::done;
  } else if (rc == MNL_CB_ERROR || rc < 0) {
    res.status = DiagStatus::error;
    res.err = data.bad ? EBADMSG : (errno != 0 ? errno : EBADMSG);
  }
  return res;
}

}  // namespace tcptune
