#include "sys/netns_list.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "sys/netns.hpp"
#include "sys/proc_files.hpp"

namespace tcptune {

namespace {

std::vector<std::string> list_names(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    out.emplace_back(e->d_name);
  }
  ::closedir(d);
  return out;
}

}  // namespace

Result<std::vector<NetnsEntry>> list_network_namespaces(const std::string& root) {
  const std::string base = root == "/" ? std::string() : root;
  const std::string proc = base + "/proc";
  DIR* d = ::opendir(proc.c_str());
  if (d == nullptr) return SysError{errno, proc, "cannot list processes"};
  std::vector<int> pids;
  while (dirent* e = ::readdir(d)) {
    if (!is_pid_name(e->d_name)) continue;
    int pid = 0;
    std::from_chars(e->d_name, e->d_name + std::strlen(e->d_name), pid);
    pids.push_back(pid);
  }
  ::closedir(d);
  std::sort(pids.begin(), pids.end());

  std::map<std::pair<std::uint64_t, std::uint64_t>, NetnsEntry> by_id;
  auto note = [&](const struct stat& st) -> NetnsEntry& {
    NetnsEntry& e = by_id[{st.st_dev, st.st_ino}];
    e.dev = st.st_dev;
    e.ino = st.st_ino;
    return e;
  };
  // Named namespaces first: their name is the best one to show.
  for (const std::string& name : list_names(base + "/run/netns")) {
    const std::string path = base + "/run/netns/" + name;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    NetnsEntry& e = note(st);
    if (e.path.empty()) {
      e.path = path;
      e.name = name;
    }
  }
  std::optional<NsFile> init_net;
  for (int pid : pids) {
    const std::string p = proc + "/" + std::to_string(pid);
    struct stat st {};
    if (::stat((p + "/ns/net").c_str(), &st) != 0) continue;  // gone, or not ours to see
    if (pid == 1) init_net = NsFile{st.st_dev, st.st_ino};
    NetnsEntry& e = note(st);
    ++e.processes;
    if (e.first_pid == 0) {
      e.first_pid = pid;
      e.comm = comm_text(read_small_file(AT_FDCWD, (p + "/comm").c_str(), 64));
      e.owner = classify_cgroup(
          cgroup_path_of(read_small_file(AT_FDCWD, (p + "/cgroup").c_str(), 64 * 1024)));
    }
    if (e.path.empty()) e.path = p + "/ns/net";
  }
  // Which one is the initial namespace: as in_initial_netns() decides for this process (PID
  // 1's, unless PID 1 is a container's init; on the host from 6.18 on, the fixed inode).
  std::optional<NsFile> init_pid;
  if (struct stat st{}; ::stat((proc + "/1/ns/pid").c_str(), &st) == 0)
    init_pid = NsFile{st.st_dev, st.st_ino};
  auto pid1 = [&](const char* name) {
    return std::string_view(name) == "pid" ? init_pid : init_net;
  };
  const std::optional<KernelVersion> kernel = base.empty() ? running_kernel() : std::nullopt;
  std::vector<NetnsEntry> out;
  for (auto& [id, e] : by_id) {
    e.initial = initial_netns_from(NsFile{e.dev, e.ino}, kernel, pid1).value_or(false);
    if (e.initial) {
      e.name = "initial";
    } else if (e.name.empty()) {
      if (!e.owner.container.empty()) {
        e.name = e.owner.label();
      } else {
        e.name = "pid " + std::to_string(e.first_pid) + (e.comm.empty() ? "" : " (" + e.comm + ")");
      }
    }
    out.push_back(std::move(e));
  }
  std::stable_sort(out.begin(), out.end(), [](const NetnsEntry& a, const NetnsEntry& b) {
    if (a.initial != b.initial) return a.initial;
    return a.name < b.name;
  });
  return out;
}

NetnsReturn::NetnsReturn() : m_fd(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) {}

bool NetnsReturn::restore() const { return m_fd.valid() && ::setns(m_fd.get(), CLONE_NEWNET) == 0; }

}  // namespace tcptune
