#include "fault_write_side.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <thread>

#include "core/exit_code.hpp"
#include "core/text_util.hpp"

namespace tcptune::test {

namespace {

SysError injected(std::string_view point, const std::string& path) {
  return SysError{EIO, path, "fault injection " + std::string(point)};
}

}  // namespace

std::unique_ptr<WriteSide> FaultWriteSide::from_env(std::unique_ptr<WriteSide> inner) {
  const char* spec = std::getenv("TCPTUNE_FAULT");
  if (spec == nullptr || *spec == '\0') return inner;
  std::unique_ptr<FaultWriteSide> f(new FaultWriteSide(std::move(inner)));
  static const std::set<std::string, std::less<>> known{"journal",  "edit",   "fragment", "live",
                                                        "readback", "commit", "rollback"};
  for (std::string_view item : split(spec, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    std::string_view name = item;
    int n = 1;
    if (std::size_t colon = item.find(':'); colon != std::string_view::npos) {
      name = item.substr(0, colon);
      std::optional<std::int64_t> v = parse_kernel_int(item.substr(colon + 1));
      if (!v || *v < 1 || *v > 1000000)
        throw UsageError("TCPTUNE_FAULT: '" + std::string(item) + "': N must be a number >= 1");
      n = static_cast<int>(*v);
    }
    if (known.find(name) == known.end())
      throw UsageError("TCPTUNE_FAULT: unknown point '" + std::string(name) +
                       "' (journal, edit, fragment, live, readback, commit, rollback)");
    f->m_points[std::string(name)] = n;
  }
  if (const char* a = std::getenv("TCPTUNE_FAULT_ACTION"); a != nullptr && *a != '\0') {
    std::string_view act = a;
    if (act == "fail") {
      f->m_action = Action::fail;
    } else if (act == "crash") {
      f->m_action = Action::crash;
    } else if (act == "stall") {
      f->m_action = Action::stall;
    } else {
      throw UsageError("TCPTUNE_FAULT_ACTION must be fail, crash or stall");
    }
  }
  if (const char* s = std::getenv("TCPTUNE_FAULT_STALL_SECONDS"); s != nullptr && *s != '\0') {
    std::optional<std::int64_t> v = parse_kernel_int(s);
    if (!v || *v < 0 || *v > 600) throw UsageError("TCPTUNE_FAULT_STALL_SECONDS must be 0..600");
    f->m_stall_seconds = static_cast<int>(*v);
  }
  return f;
}

bool FaultWriteSide::next(std::string_view point) {
  auto it = m_counts.find(point);
  if (it == m_counts.end()) it = m_counts.emplace(std::string(point), 0).first;
  int n = ++it->second;
  auto p = m_points.find(point);
  if (p == m_points.end() || p->second != n) return false;
  switch (m_action) {
    case Action::crash:
      ::_exit(99);
    case Action::stall:
      std::this_thread::sleep_for(std::chrono::seconds(m_stall_seconds));
      return false;
    case Action::fail:
      return true;
  }
  return false;
}

bool FaultWriteSide::after_journal() {
  if (!m_journal_saved || m_journal_done) return false;
  m_journal_done = true;
  return next("journal");
}

Result<void> FaultWriteSide::write_live(const std::string& path, const std::string& value,
                                        const std::optional<std::string>& raw, Step step) {
  if (step == Step::rollback) {
    if (next("rollback")) return injected("rollback", path);
    return m_inner->write_live(path, value, raw, step);
  }
  if (after_journal()) return injected("journal", path);
  Result<void> w = m_inner->write_live(path, value, raw, step);
  if (w.ok() && next("live")) return injected("live", path);
  return w;
}

KeyRead FaultWriteSide::read_back(const std::string& path, Step step) {
  KeyRead r = m_inner->read_back(path, step);
  if (step == Step::apply && next("readback")) {
    r.status = KeyStatus::error;
    r.error = injected("readback", path);
  }
  return r;
}

Result<void> FaultWriteSide::replace_file(int dirfd, const std::string& name,
                                          const std::string& data, mode_t mode,
                                          const Expect& expect, const std::string& shown,
                                          Step step) {
  if (step == Step::rollback) {
    if (next("rollback")) return injected("rollback", shown);
    return m_inner->replace_file(dirfd, name, data, mode, expect, shown, step);
  }
  if (after_journal()) return injected("journal", shown);
  Result<void> w = m_inner->replace_file(dirfd, name, data, mode, expect, shown, step);
  if (w.ok() && next("fragment")) return injected("fragment", shown);
  return w;
}

Result<void> FaultWriteSide::remove_file(int dirfd, const std::string& name,
                                         const EntryId& expected, const std::string& shown,
                                         Step step) {
  if (step == Step::rollback && next("rollback")) return injected("rollback", shown);
  return m_inner->remove_file(dirfd, name, expected, shown, step);
}

Result<void> FaultWriteSide::replace_config(int dirfd, const std::string& name,
                                            const std::string& data, mode_t mode,
                                            const FileOwner& owner, const Expect& expect,
                                            const std::string& shown, Step step) {
  if (step == Step::rollback) {
    if (next("rollback")) return injected("rollback", shown);
    return m_inner->replace_config(dirfd, name, data, mode, owner, expect, shown, step);
  }
  if (after_journal()) return injected("journal", shown);
  Result<void> w = m_inner->replace_config(dirfd, name, data, mode, owner, expect, shown, step);
  if (w.ok() && next("edit")) return injected("edit", shown);
  return w;
}

Result<void> FaultWriteSide::remove_config(int dirfd, const std::string& name,
                                           const EntryId& expected, const std::string& shown,
                                           Step step) {
  if (step == Step::rollback && next("rollback")) return injected("rollback", shown);
  return m_inner->remove_config(dirfd, name, expected, shown, step);
}

Result<void> FaultWriteSide::save_journal(const JournalEntry& e) {
  if (e.state == TxnState::committed && next("commit")) return injected("commit", e.id);
  Result<void> s = m_inner->save_journal(e);
  if (s.ok() && e.state == TxnState::pending && e.rollback_started.empty()) m_journal_saved = true;
  return s;
}

}  // namespace tcptune::test
