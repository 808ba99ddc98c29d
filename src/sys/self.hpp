#pragma once
/// Facts about this process and its environment.

#include <optional>
#include <string>

namespace tcptune {

/// Directory of the running executable (from /proc/self/exe), or "" when unknown.
std::string executable_dir();
/// The value of an environment variable, or nullopt when unset.
std::optional<std::string> env(const char* name);
/// Whether standard output is a terminal.
bool stdout_is_tty();
/// Whether a path exists on this machine (not under a root prefix).
bool host_path_exists(const std::string& path);
/// Whether anything is at the host path itself, a symbolic link too (dangling, or a loop).
bool host_path_present(const std::string& path);
/// The effective user id of this process.
unsigned effective_uid();
/// The working directory, or "" when it cannot be had (deleted, too long).
std::string current_directory();

}  // namespace tcptune
