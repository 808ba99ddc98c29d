#include "sys/fd_stream.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "core/text_util.hpp"

namespace tcptune {

FdOutBuf::FdOutBuf(int fd) : m_fd(fd) { setp(m_buf.data(), m_buf.data() + m_buf.size()); }

FdOutBuf::~FdOutBuf() { (void)drain(Drain::all); }

bool FdOutBuf::write_all(const char* p, std::size_t left) {
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

bool FdOutBuf::drain(Drain how) {
  const char* p = pbase();
  std::size_t left = static_cast<std::size_t>(pptr() - pbase());
  setp(m_buf.data(), m_buf.data() + m_buf.size());
  const bool all = how == Drain::all;
  if (m_error != 0) return false;
  if (m_wrap == 0) return write_all(p, left);
  m_partial.append(p, left);
  std::size_t end = all ? m_partial.size() : m_partial.rfind('\n');
  if (end == std::string::npos || end == 0) return true;
  if (!all) ++end;  // through the last newline
  std::string text = wrap_text(std::string_view(m_partial).substr(0, end), m_wrap);
  m_partial.erase(0, end);
  return write_all(text.data(), text.size());
}
FdOutBuf::int_type FdOutBuf::overflow(int_type c) {
  if (!drain(Drain::some)) return traits_type::eof();
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
      if (!drain(Drain::some)) return done;
      continue;
    }
    std::streamsize chunk = std::min(room, n - done);
    std::memcpy(pptr(), s + done, static_cast<std::size_t>(chunk));
    pbump(static_cast<int>(chunk));
    done += chunk;
  }
  return done;
}

int FdOutBuf::sync() { return drain(Drain::all) ? 0 : -1; }

std::size_t terminal_columns(int fd) {
  if (::isatty(fd) != 1) return 0;
  if (const char* c = std::getenv("COLUMNS"); c != nullptr && *c != '\0') {
    char* end = nullptr;
    long v = std::strtol(c, &end, 10);
    if (*end == '\0' && v > 0 && v < 100000) return static_cast<std::size_t>(v);
  }
  struct winsize ws {};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

void ignore_sigpipe() { ::signal(SIGPIPE, SIG_IGN); }

}  // namespace tcptune
