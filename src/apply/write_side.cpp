#include "apply/write_side.hpp"

namespace tcptune {

namespace {

WriteSideWrapper& wrapper() {
  static WriteSideWrapper w;
  return w;
}

}  // namespace

Result<void> SystemWriteSide::write_live(const std::string& path, const std::string& value,
                                         const std::optional<std::string>& raw, Step /*step*/) {
  return raw ? m_proc.write_raw(path, *raw) : m_proc.write(path, value);
}

KeyRead SystemWriteSide::read_back(const std::string& path, Step /*step*/) {
  return m_proc.read(path);
}

Result<void> SystemWriteSide::replace_file(int dirfd, const std::string& name,
                                           const std::string& data, mode_t mode,
                                           const Expect& expect, const std::string& shown,
                                           Step /*step*/) {
  return replace_at(dirfd, name, data, mode, expect, shown);
}

Result<void> SystemWriteSide::remove_file(int dirfd, const std::string& name,
                                          const EntryId& expected, const std::string& shown,
                                          Step /*step*/) {
  return remove_at(dirfd, name, expected, shown);
}

Result<void> SystemWriteSide::replace_config(int dirfd, const std::string& name,
                                             const std::string& data, mode_t mode,
                                             const FileOwner& owner, const Expect& expect,
                                             const std::string& shown, Step /*step*/) {
  return replace_at(dirfd, name, data, mode, expect, shown, owner);
}

Result<void> SystemWriteSide::remove_config(int dirfd, const std::string& name,
                                            const EntryId& expected, const std::string& shown,
                                            Step /*step*/) {
  return remove_at(dirfd, name, expected, shown);
}

Result<void> SystemWriteSide::save_journal(const JournalEntry& e) { return m_journal.save(e); }

void set_write_side_wrapper(WriteSideWrapper w) { wrapper() = std::move(w); }

std::unique_ptr<WriteSide> make_write_side(const ProcSys& proc, const Journal& journal) {
  std::unique_ptr<WriteSide> real = std::make_unique<SystemWriteSide>(proc, journal);
  if (wrapper()) return wrapper()(std::move(real));
  return real;
}

}  // namespace tcptune
