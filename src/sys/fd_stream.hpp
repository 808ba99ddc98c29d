#pragma once
/// Standard output as a stream that keeps its write errors.

#include <array>
#include <streambuf>

namespace tcptune {

/// A stream buffer over a file descriptor that remembers the errno of the first failed
/// write(2): ENOSPC (a full disk, /dev/full), EPIPE (the reader went away; main ignores
/// SIGPIPE so that a closed pipe can never kill an apply half-way), EIO. After a failure the
/// stream is bad and nothing more is written; error() says why.
class FdOutBuf final : public std::streambuf {
 public:
  explicit FdOutBuf(int fd);
  FdOutBuf(const FdOutBuf&) = delete;
  FdOutBuf& operator=(const FdOutBuf&) = delete;
  ~FdOutBuf() override;

  /// errno of the first failed write, 0 when every write succeeded so far.
  [[nodiscard]] int error() const { return m_error; }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  bool drain();
  int m_fd;
  int m_error = 0;
  std::array<char, 1 << 16> m_buf{};
};

/// Ignores SIGPIPE for this process: a write to a closed pipe fails with EPIPE instead.
void ignore_sigpipe();

}  // namespace tcptune
