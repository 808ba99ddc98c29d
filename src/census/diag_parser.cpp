#include "census/diag_parser.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tcptune {

namespace {

struct CbData {
  const std::function<void(const SocketRecord&)>* sink;
  std::size_t sockets = 0;
  bool bad = false;
  const nlmsghdr* done = nullptr;     ///< the NLMSG_DONE message, once seen
  const std::uint8_t* end = nullptr;  ///< end of the last message walked
  int err = 0;                        ///< errno of an NLMSG_ERROR reply
};

void mark_end(const nlmsghdr* nlh, CbData* d) {
  d->end = reinterpret_cast<const std::uint8_t*>(nlh) + MNL_ALIGN(nlh->nlmsg_len);
}

// NLMSG_NOOP and NLMSG_OVERRUN carry nothing for us; note where they end.
int on_other(const nlmsghdr* nlh, void* data) {
  mark_end(nlh, static_cast<CbData*>(data));
  return MNL_CB_OK;
}

// NLMSG_DONE: remember where it is, so that a caller holding several dumps (a recording) can
// go on after it; one pass over the buffer either way.
int on_done(const nlmsghdr* nlh, void* data) {
  static_cast<CbData*>(data)->done = nlh;
  return MNL_CB_STOP;
}

// libmnl calls no default callback for a control type once a control array is given, so
// NLMSG_ERROR needs its own (as mnl_cb_error: errno from the reply; error 0 is an ACK).
int on_error(const nlmsghdr* nlh, void* data) {
  auto* d = static_cast<CbData*>(data);
  mark_end(nlh, d);
  if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr)) {
    d->bad = true;
    return MNL_CB_ERROR;
  }
  nlmsgerr e;
  std::memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof e);
  if (e.error == 0) {  // an ACK ends the exchange like NLMSG_DONE
    d->done = nlh;
    return MNL_CB_STOP;
  }
  // The kernel sends -errno (errno values are 1..4095); anything else is a corrupt reply, and
  // INT_MIN could not even be negated.
  d->err = e.error < 0 && e.error >= -4095 ? -e.error : EBADMSG;
  return MNL_CB_ERROR;
}

#ifndef INET_DIAG_CGROUP_ID
#define INET_DIAG_CGROUP_ID 21  // Linux 5.7 (include/uapi/linux/inet_diag.h)
#endif

// The attributes after the message: only INET_DIAG_CGROUP_ID is read (a u64). libmnl checks each
// attribute's length against what is left of the message.
int on_attribute(const nlattr* attr, void* data) {
  if (mnl_attr_get_type(attr) == INET_DIAG_CGROUP_ID &&
      mnl_attr_get_payload_len(attr) == sizeof(std::uint64_t)) {
    std::uint64_t id = 0;
    std::memcpy(&id, mnl_attr_get_payload(attr), sizeof id);
    static_cast<SocketRecord*>(data)->cgroup_id = id;
  }
  return MNL_CB_OK;
}

int on_message(const nlmsghdr* nlh, void* data) {
  auto* d = static_cast<CbData*>(data);
  mark_end(nlh, d);
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
  r.cookie = static_cast<std::uint64_t>(msg.id.idiag_cookie[0]) |
             (static_cast<std::uint64_t>(msg.id.idiag_cookie[1]) << 32);
  // TIME_WAIT and request sockets carry no attributes: nothing to walk.
  if (mnl_nlmsg_get_payload_len(nlh) > MNL_ALIGN(sizeof(inet_diag_msg)))
    mnl_attr_parse(nlh, sizeof(inet_diag_msg), on_attribute, &r);
  if (r.family == AF_INET) {
    r.v4 = true;  // what normalize_mapped does for IPv4, without the call
  } else {
    normalize_mapped(r);
  }
  ++d->sockets;
  (*d->sink)(r);
  return MNL_CB_OK;
}

// The length of the longest prefix of buf[0, len) made of whole messages. libmnl cannot be
// trusted with this: mnl_nlmsg_ok() compares nlmsg_len as an int, so a header claiming 2 GiB or
// more passes as a negative length (a payload read past the buffer), and from 0xfffffffd its
// aligned length wraps to 0, so mnl_nlmsg_next() never moves on (a hang). Each step advances by
// at least a header.
std::size_t whole_messages(const std::uint8_t* buf, std::size_t len) {
  std::size_t off = 0;
  while (len - off >= sizeof(nlmsghdr)) {
    std::uint32_t n = 0;
    std::memcpy(&n, buf + off, sizeof n);  // nlmsg_len, the first field
    if (n < sizeof(nlmsghdr) || n > len - off) break;
    off = std::min(len, off + NLMSG_ALIGN(static_cast<std::size_t>(n)));
  }
  return off;
}

}  // namespace

DiagResult parse_diag_buffer(const std::uint8_t* buf, std::size_t len, std::uint32_t seq,
                             std::uint32_t portid,
                             const std::function<void(const SocketRecord&)>& sink) {
  CbData data{&sink};
  DiagResult res;
  // Only NLMSG_DONE gets our control callback; NLMSG_ERROR and the others keep libmnl's.
  mnl_cb_t control[NLMSG_MIN_TYPE] = {};
  control[NLMSG_NOOP] = on_other;
  control[NLMSG_ERROR] = on_error;
  control[NLMSG_OVERRUN] = on_other;
  control[NLMSG_DONE] = on_done;
  errno = 0;
  // libmnl walks only the whole messages; a bad length after them is reported below, as a
  // message that does not end at the end of the buffer.
  const std::size_t whole = whole_messages(buf, len);
  // The sockets at the front of the buffer go to on_message directly, as mnl_cb_run2 would send
  // them (from the right port and sequence, the dump not interrupted); libmnl walks the rest
  // from the first message that is anything else (NLMSG_DONE, an error, a check that fails).
  std::size_t off = 0;
  int rc = MNL_CB_OK;
  while (whole - off >= sizeof(nlmsghdr)) {
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(buf + off);
    if (nlh->nlmsg_type < NLMSG_MIN_TYPE || (nlh->nlmsg_flags & NLM_F_DUMP_INTR) != 0 ||
        (portid != 0 && nlh->nlmsg_pid != 0 && nlh->nlmsg_pid != portid) ||
        (seq != 0 && nlh->nlmsg_seq != 0 && nlh->nlmsg_seq != seq))
      break;
    rc = on_message(nlh, &data);
    if (rc != MNL_CB_OK) break;
    off += std::min(whole - off, static_cast<std::size_t>(MNL_ALIGN(nlh->nlmsg_len)));
  }
  if (rc == MNL_CB_OK && whole - off >= sizeof(nlmsghdr)) {
    rc = mnl_cb_run2(buf + off, whole - off, seq, portid, on_message, &data, control,
                     NLMSG_MIN_TYPE);
  }
  if (data.done != nullptr) {
    // A final NLMSG_DONE may lack its alignment padding: never count bytes past the buffer.
    res.consumed = std::min(
        len, static_cast<std::size_t>(reinterpret_cast<const std::uint8_t*>(data.done) - buf) +
                 MNL_ALIGN(data.done->nlmsg_len));
  }
  res.sockets = data.sockets;
  if (rc == MNL_CB_STOP) {
    res.status = DiagStatus::done;
  } else if (rc == MNL_CB_OK && len != 0 && data.end != buf + len) {
    // libmnl stops quietly at a message whose length does not fit: a truncated or corrupt
    // buffer (the kernel never splits a message across datagrams).
    res.status = DiagStatus::error;
    res.err = EBADMSG;
  } else if (rc == MNL_CB_ERROR || rc < 0) {
    res.status = DiagStatus::error;
    res.err = data.bad ? EBADMSG : data.err != 0 ? data.err : (errno != 0 ? errno : EBADMSG);
  }
  return res;
}

}  // namespace tcptune
