#pragma once
/// A small value-or-error type (C++20 has no std::expected). Low layers return it; the
/// command layer decides what an error means for the exit code.

#include <string>
#include <utility>
#include <variant>

namespace tcptune {

/// An operating-system failure: the errno and the path (or key) it concerns.
struct SysError {
  int err = 0;         ///< errno value, 0 when the failure is not an errno (e.g. "too large")
  std::string path;    ///< the file or key concerned
  std::string detail;  ///< an extra explanation when errno alone does not say it

  /// "path: strerror(err)" plus the detail, for messages.
  [[nodiscard]] std::string message() const;
};

template <class T>
class Result {
 public:
  Result(T value) : m_v(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(SysError error) : m_v(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] T& value() { return std::get<0>(m_v); }
  [[nodiscard]] const T& value() const { return std::get<0>(m_v); }
  [[nodiscard]] const SysError& error() const { return std::get<1>(m_v); }

 private:
  std::variant<T, SysError> m_v;
};

}  // namespace tcptune
