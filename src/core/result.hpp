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

/// A value or an error. `E` is SysError for operating-system failures; a plain message
/// (std::string) where the caller only shows it (a profile that does not resolve, a fact
/// reference that does not parse). `Result<void, E>` is success without a value.
template <class T, class E = SysError>
class Result {
 public:
  Result(T value)
      : m_v(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(E error)
      : m_v(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] T& value() { return std::get<0>(m_v); }
  [[nodiscard]] const T& value() const { return std::get<0>(m_v); }
  [[nodiscard]] const E& error() const { return std::get<1>(m_v); }

 private:
  std::variant<T, E> m_v;
};

template <class E>
class Result<void, E> {
 public:
  Result() = default;
  Result(E error)
      : m_error(std::move(error)), m_failed(true) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return !m_failed; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const E& error() const { return m_error; }

 private:
  E m_error{};
  bool m_failed = false;
};

/// Propagates a failed Result out of the enclosing function (whose return type takes the same
/// error): `TCPTUNE_TRY(write_all(fd, data, shown));`.
#define TCPTUNE_TRY(expr)                                                               \
  do {                                                                                  \
    if (auto tcptune_try_r = (expr); !tcptune_try_r.ok()) return tcptune_try_r.error(); \
  } while (false)

}  // namespace tcptune
