#include "sys/fd_stream.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace tcptune {

FdOutBuf::FdOutBuf(int fd) : m_fd(fd) { setp(m_buf.data(), m_buf.data() + m_buf.size()); }

FdOutBuf::~FdOutBuf() { (void)drain(); }

bool FdOutBuf::drain() {
  const char* p = pbase();
  std::size_t left = static_cast<std::size_t>(pptr() - pbase());
  setp(m_buf.data(), m_buf.data() + m_buf.size());
  if (m_error != 0) return false;
  while (left > 0) {
    ssize_t n = ::write(m_fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      m_error = errno;
      return false;
    }
    if (n == 0) {
      m_error = EIO;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

FdOutBuf::int_type FdOutBuf::overflow(int_type c) {
  if (!drain()) return traits_type::eof();
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  *pptr() = traits_type::to_char_type(c);
  pbump(1);
  return c;
}

std::streamsize FdOutBuf::xsputn(const char* s, std::streamsize n) {
  std::streamsize done = 0;
  while (done < n) {
    std::streamsize room = epptr() - pptr();
    if (room == 0) {
      if (!drain()) return done;
      continue;
    }
    std::streamsize chunk = std::min(room, n - done);
    std::memcpy(pptr(), s + done, static_cast<std::size_t>(chunk));
    pbump(static_cast<int>(chunk));
    done += chunk;
  }
  return done;
}

int FdOutBuf::sync() { return drain() ? 0 : -1; }

void ignore_sigpipe() { ::signal(SIGPIPE, SIG_IGN); }

}  // namespace tcptune
