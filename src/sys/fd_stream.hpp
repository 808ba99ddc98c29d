#pragma once
/// Standard output as a stream that keeps its write errors.

#include <array>
#include <cstddef>
#include <streambuf>
#include <string>

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
  [[nodiscard]] int fd() const { return m_fd; }
  /// From now on, wrap every line to `columns` (0: never) at spaces before it is written
  /// (wrap_text: hanging indents, source excerpts kept whole). A line is held until its
  /// newline arrives or the stream is flushed.
  void wrap_lines(std::size_t columns) { m_wrap = columns; }

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  enum class Drain { some, all };
  /// Writes out the buffer; when wrapping, `some` keeps a last incomplete line back for the
  /// next call, `all` writes that too.
  bool drain(Drain how);
  bool write_all(const char* p, std::size_t n);
  int m_fd;
  int m_error = 0;
  std::size_t m_wrap = 0;
  std::string m_partial;  ///< wrapping: the start of a line whose newline has not come yet
  // Not value-initialized: zeroing 64 KiB would touch 16 pages that a short output never
  // reaches (bench/check: a page touched for the first time costs about 10 us here).
  std::array<char, 1 << 16> m_buf;
};

/// The width of the terminal on `fd`: $COLUMNS when it is a positive number, else the
/// terminal's own size (TIOCGWINSZ), else 80; 0 when `fd` is not a terminal (no wrapping).
std::size_t terminal_columns(int fd);

/// Ignores SIGPIPE for this process: a write to a closed pipe fails with EPIPE instead.
void ignore_sigpipe();

}  // namespace tcptune
