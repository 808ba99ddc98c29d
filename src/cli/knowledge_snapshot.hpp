#pragma once
/// The shipped knowledge (the key and check catalogs, the check rules, the shipped profiles) in
/// a binary form made at build time from the data files (tools/make_snapshot.cpp), so that a
/// command does not parse 250 kB of TOML at every start: parsing is most of what an idle
/// `tcptune check` costs (bench/check).
///
/// A snapshot carries the bytes of the data files it was made from and stands for them only
/// when the data directory holds the same files with the same bytes. Any other data directory,
/// an edited file, an added or removed profile, or a damaged snapshot: the files are parsed, as
/// without a snapshot. What a command prints is the same either way (tests/cli/snapshot_test).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/context.hpp"

namespace tcptune {

/// A shipped data file: its name relative to the data directory and its bytes.
struct DataFile {
  std::string name;  ///< "rules/keys.toml", "profiles/web.toml"
  std::string text;
};

/// The names of the shipped data files in `dir`, in load order (see read_data_files). A
/// profiles/ that cannot be listed: SystemFailure.
std::vector<std::string> data_file_names(const std::string& dir, bool rules_and_profiles);

/// Reads the shipped data files of `dir` in load order: rules/kernel_keys.tsv (when present),
/// rules/keys.toml, rules/lint.toml, rules/services.toml and, with `rules_and_profiles`,
/// rules/check.toml and profiles/*.toml by name. A file that cannot be read: SystemFailure.
std::vector<DataFile> read_data_files(const std::string& dir, bool rules_and_profiles);

/// Parses data files read by read_data_files into `k`, naming them under `dir` in messages and
/// sources; returns the errors.
std::vector<Finding> load_data_files(const std::vector<DataFile>& files, const std::string& dir,
                                     Knowledge& k);

/// The directory name a snapshot is made with: sources and file names that start with it are
/// rewritten to the data directory the snapshot is opened for.
inline constexpr std::string_view k_snapshot_dir = "\x01";

/// Serializes knowledge loaded (with k_snapshot_dir as its directory) from `files`.
std::string make_snapshot(const Knowledge& k, const std::vector<DataFile>& files);

/// The knowledge of a snapshot, its names under `dir`; nullopt when `files` (as read by
/// read_data_files) are not the files the snapshot was made from, or the snapshot is damaged.
std::optional<Knowledge> open_snapshot(std::string_view snapshot,
                                       const std::vector<DataFile>& files, const std::string& dir);

/// The same from the files in `dir`, compared where they lie (no copy of a file that matches).
std::optional<Knowledge> open_snapshot(std::string_view snapshot, const std::string& dir);

/// Whether `snapshot` was made from the data files in `dir` (what open_snapshot checks first).
bool snapshot_matches(std::string_view snapshot, const std::string& dir);

/// The snapshot linked into this program; empty when there is none (the test programs).
std::string_view embedded_snapshot();

}  // namespace tcptune
