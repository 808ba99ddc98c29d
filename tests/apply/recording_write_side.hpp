#pragma once
// A recording fake of the write side (as ninja's VirtualFileSystem): every operation is logged
// ("live apply net/core/somaxconn 8192", "read_back apply net/core/somaxconn",
// "replace apply /R/etc/sysctl.d/99-tcptune.conf", "remove rollback ...", "journal pending",
// "edit apply /R/etc/sysctl.conf", "unmask rollback /R/etc/sysctl.d/zz-vendor.conf"),
// done through the wrapped real write side on a temporary root, and any one of them can fail
// with a chosen errno or "crash": SimulatedCrash is thrown before the operation, which stops
// the transaction as kill -9 would, leaving the state as it is on disk.

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "apply/write_side.hpp"

namespace tcptune::test {

struct SimulatedCrash {
  std::size_t op = 0;
};

class RecordingWriteSide final : public WriteSide {
 public:
  explicit RecordingWriteSide(WriteSide& inner) : m_inner(inner) {}

  std::vector<std::string> log;  ///< one line per operation, failed ones end in " !errno"

  /// Operation number `n` (0-based, in log order) fails with `err`.
  void fail_at(std::size_t n, int err) { m_fails.push_back({n, err}); }
  /// Operation number `n` is never done: SimulatedCrash is thrown.
  void crash_at(std::size_t n) { m_crash = n; }

  Result<void> write_live(const std::string& path, const std::string& value,
                          const std::optional<std::string>& raw, Step step) override {
    std::string line = "live " + name(step) + " " + path + " " + (raw ? *raw : value);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    if (int err = begin(line)) return SysError{err, path, ""};
    return m_inner.write_live(path, value, raw, step);
  }
  KeyRead read_back(const std::string& path, Step step) override {
    if (int err = begin("read_back " + name(step) + " " + path)) {
      KeyRead r;
      r.status = KeyStatus::error;
      r.error = SysError{err, path, ""};
      return r;
    }
    return m_inner.read_back(path, step);
  }
  Result<void> replace_file(int dirfd, const std::string& nm, const std::string& data, mode_t mode,
                            const Expect& expect, const std::string& shown, Step step) override {
    if (int err = begin("replace " + name(step) + " " + shown)) return SysError{err, shown, ""};
    return m_inner.replace_file(dirfd, nm, data, mode, expect, shown, step);
  }
  Result<void> remove_file(int dirfd, const std::string& nm, const EntryId& expected,
                           const std::string& shown, Step step) override {
    if (int err = begin("remove " + name(step) + " " + shown)) return SysError{err, shown, ""};
    return m_inner.remove_file(dirfd, nm, expected, shown, step);
  }
  Result<void> replace_config(int dirfd, const std::string& nm, const std::string& data,
                              mode_t mode, const FileOwner& owner, const Expect& expect,
                              const std::string& shown, Step step) override {
    if (int err = begin("edit " + name(step) + " " + shown)) return SysError{err, shown, ""};
    return m_inner.replace_config(dirfd, nm, data, mode, owner, expect, shown, step);
  }
  Result<void> remove_config(int dirfd, const std::string& nm, const EntryId& expected,
                             const std::string& shown, Step step) override {
    if (int err = begin("unmask " + name(step) + " " + shown)) return SysError{err, shown, ""};
    return m_inner.remove_config(dirfd, nm, expected, shown, step);
  }
  Result<void> save_journal(const JournalEntry& e) override {
    if (int err = begin("journal " + std::string(to_string(e.state))))
      return SysError{err, e.id, ""};
    return m_inner.save_journal(e);
  }

 private:
  static std::string name(Step s) { return s == Step::apply ? "apply" : "rollback"; }
  // Logs the operation; throws for a crash; the errno to fail it with, or 0.
  int begin(std::string line) {
    std::size_t n = log.size();
    if (m_crash && *m_crash == n) {
      log.push_back(line + " !crash");
      throw SimulatedCrash{n};
    }
    for (const auto& [at, err] : m_fails) {
      if (at == n) {
        log.push_back(line + " !" + std::to_string(err));
        return err;
      }
    }
    log.push_back(std::move(line));
    return 0;
  }
  struct Fail {
    std::size_t at;
    int err;
  };
  WriteSide& m_inner;
  std::vector<Fail> m_fails;
  std::optional<std::size_t> m_crash;
};

}  // namespace tcptune::test
