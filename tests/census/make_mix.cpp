// Test helper: builds an exact TCP socket mix on loopback in the CURRENT network namespace and
// holds it until killed (or --hold-seconds). Refuses to run in the initial namespace: it sets
// tcp_tw_reuse=0 there (a namespace-private value) so that TIME_WAIT sockets are not reused.
//
//   make_mix --outer-netns DEV:INO --ready FILE [--established E] [--tw-client N] [--tw-server N]
//   [--close-wait N]
//            [--hold-seconds S]
//
// Mix (all on 127.0.0.1 unless noted):
//   LISTEN 127.0.0.1:5000, 127.0.0.1:5001 and [::1]:5002
//   E ESTABLISHED pairs to :5000 (2 sockets each)
//   N client-side TIME_WAIT to :5000 (the client closes first)
//   N server-side TIME_WAIT on :5000 (the server closes first)
//   N CLOSE_WAIT clients to :5001 whose server closed: N orphaned FIN_WAIT2 mini-sockets on :5001
//   1 ESTABLISHED pair over IPv6 to [::1]:5002
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "make_mix: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

int listener(int family, const char* addr, int port) {
  int fd = ::socket(family, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, addr, &a->sin_addr);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET6, addr, &a->sin6_addr);
    len = sizeof *a;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) die("bind");
  if (::listen(fd, 128) != 0) die("listen");
  return fd;
}

// Connects to the listener's address and accepts: returns {client, server}.
std::pair<int, int> pair_to(int lfd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(lfd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) die("getsockname");
  int c = ::socket(ss.ss_family, SOCK_STREAM, 0);
  if (c < 0) die("socket");
  if (::connect(c, reinterpret_cast<sockaddr*>(&ss), len) != 0) die("connect");
  int s = ::accept(lfd, nullptr, nullptr);
  if (s < 0) die("accept");
  return {c, s};
}

// Waits until a read on fd sees EOF (the peer's FIN arrived), bounded.
void wait_eof(int fd) {
  char buf[64];
  for (int i = 0; i < 200; ++i) {
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::fprintf(stderr, "make_mix: no FIN seen\n");
  std::exit(1);
}

// Safe only in a namespace the caller created: the caller passes the identity ("dev:ino") of
// the namespace it runs in, and this must differ from ours. The kernel's initial namespace
// (PROC_NET_INIT_INO) and PID 1's, where readable, are refused too. A sandbox's own namespace
// need not be the initial one, so the inode checks alone are not enough.
bool safe_netns(const std::string& outer) {
  constexpr unsigned long k_net_init_ino = 0xF0000098UL;
  struct stat self {};
  struct stat init {};
  if (outer.empty() || ::stat("/proc/self/ns/net", &self) != 0) return false;
  std::string mine = std::to_string(self.st_dev) + ":" + std::to_string(self.st_ino);
  if (mine == outer) return false;
  if (static_cast<unsigned long>(self.st_ino) == k_net_init_ino) return false;
  return !(::stat("/proc/1/ns/net", &init) == 0 && self.st_ino == init.st_ino &&
           self.st_dev == init.st_dev);
}

}  // namespace

int main(int argc, char** argv) {
  int established = 3, tw_client = 4, tw_server = 2, close_wait = 2, hold = 60;
  std::string ready;
  std::string outer;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (a == "--established")
      established = v;
    else if (a == "--tw-client")
      tw_client = v;
    else if (a == "--tw-server")
      tw_server = v;
    else if (a == "--close-wait")
      close_wait = v;
    else if (a == "--hold-seconds")
      hold = v;
    else if (a == "--ready")
      ready = argv[i + 1];
    else if (a == "--outer-netns")
      outer = argv[i + 1];
  }
  if (ready.empty() || established < 0 || established > 1000 || tw_client > 1000 ||
      tw_server > 1000 || close_wait > 1000 || hold < 1 || hold > 600) {
    std::fprintf(stderr,
                 "usage: make_mix --ready FILE [--established E] [--tw-client N] [--tw-server N] "
                 "[--close-wait N] [--hold-seconds S] (counts <= 1000)\n");
    return 2;
  }
  if (!safe_netns(outer)) {
    std::fprintf(
        stderr,
        "make_mix: refusing to run: pass --outer-netns DEV:INO of the caller's namespace and "
        "run inside a new one (unshare -n)\n");
    return 2;
  }
  {
    std::ofstream reuse("/proc/sys/net/ipv4/tcp_tw_reuse");
    reuse << "0\n";
    if (!reuse) die("tcp_tw_reuse");
  }
  int l0 = listener(AF_INET, "127.0.0.1", 5000);
  int l1 = listener(AF_INET, "127.0.0.1", 5001);
  int l2 = listener(AF_INET6, "::1", 5002);
  std::vector<int> keep;
  for (int i = 0; i < established; ++i) {
    auto [c, s] = pair_to(l0);
    keep.push_back(c);
    keep.push_back(s);
  }
  for (int i = 0; i < tw_client; ++i) {  // client closes first → client TIME_WAIT
    auto [c, s] = pair_to(l0);
    ::close(c);
    wait_eof(s);
    ::close(s);
  }
  for (int i = 0; i < tw_server; ++i) {  // server closes first → server TIME_WAIT on :5000
    auto [c, s] = pair_to(l0);
    ::close(s);
    wait_eof(c);
    ::close(c);
  }
  for (int i = 0; i < close_wait; ++i) {  // server closes, client never does
    auto [c, s] = pair_to(l1);
    ::close(s);
    wait_eof(c);
    keep.push_back(c);
  }
  {
    auto [c, s] = pair_to(l2);
    keep.push_back(c);
    keep.push_back(s);
  }
  // Let the last ACKs land so that every socket has reached its final state.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  {
    std::ofstream r(ready + ".tmp");
    r << "ready\n";
  }
  std::rename((ready + ".tmp").c_str(), ready.c_str());
  std::this_thread::sleep_for(std::chrono::seconds(hold));
  (void)l0;
  (void)l1;
  (void)l2;
  return 0;
}
