#pragma once
/// The live view of `tcptune sockets --watch`: a model of one refresh (what the census and
/// the counters showed, with the history of rates) and its layout as lines of text. Pure: the
/// terminal side (ncurses, the refresh loop, the keys) is cli/watch_command.cpp.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "census/aggregate.hpp"

namespace tcptune {

struct CensusReport;

enum class WatchSort { sockets, headroom, rate };

struct WatchGroup {
  std::string label;          ///< "10.0.0.5:3306 from 10.0.0.2" or "port 8080"
  std::uint64_t in_use = 0;   ///< local ports in use (destination) or connections (port)
  std::int64_t capacity = 0;  ///< port capacity (destination) or accept backlog (listener)
  std::uint64_t time_wait = 0;
  std::uint64_t close_wait = 0;
  std::optional<double> growth_per_s;  ///< Δ in_use per second since the last refresh
                                       ///< (unknown for a group that just appeared)
  std::optional<double> seconds_to_exhaustion;
  bool loopback = false;
  std::string owner;  ///< "php-fpm (1234, php8.2-fpm.service)" or ""
};

/// One refresh.
struct WatchFrame {
  std::string netns = "initial";  ///< the namespace shown
  std::size_t netns_index = 0;    ///< of netns_count (key 'n' switches)
  std::size_t netns_count = 1;
  double interval = 1.0;  ///< seconds between refreshes
  double elapsed = 0;     ///< seconds since the view started
  bool paused = false;
  WatchSort sort = WatchSort::sockets;
  StateCounts states{};
  std::uint64_t total = 0;
  std::vector<WatchGroup> destinations;
  std::vector<WatchGroup> ports;
  /// Per second, oldest first, one value per refresh (at most k_watch_history).
  std::deque<double> connects;            ///< ActiveOpens: connections this host opened
  std::deque<double> accepts;             ///< PassiveOpens: connections this host accepted
  std::deque<double> closes;              ///< TW + TCPTimeWaitOverflow: closes this host made first
  std::optional<double> overflows_per_s;  ///< TCPTimeWaitOverflow + ListenOverflows
  std::vector<std::string> owners;        ///< the top owners, most sockets first
  std::string status;                     ///< a message for the last line ("" = key help)
};

inline constexpr std::size_t k_watch_history = 120;

/// Appends a value to a history, dropping the oldest past k_watch_history.
void push_history(std::deque<double>& h, double v);

/// A sparkline of the last `width` values, scaled to the largest of them: Unicode blocks
/// (U+2581..U+2588) when `utf8`, else the ASCII ramp ".:-=+*#%"; zero is a blank.
/// Empty history → "".
std::string sparkline(const std::deque<double>& values, std::size_t width, bool utf8);

/// A bar of `width` cells filled in proportion to value/max ('#' and '.'); max <= 0 → empty.
std::string bar(double value, double max, std::size_t width);

/// Sorts groups for display: most sockets, least headroom (in_use/capacity), or fastest growth.
void sort_groups(std::vector<WatchGroup>& groups, WatchSort sort);

/// The full screen as `height` lines of at most `width` display columns (cut, never wrapped).
std::vector<std::string> render_watch(const WatchFrame& f, int width, int height, bool utf8);

/// One compact line per refresh, for a stdout that is not a terminal:
/// "12:00:01 netns=initial total=1234 ESTABLISHED=100 TIME_WAIT=900 connects/s=310.0
///  accepts/s=0.0 closes/s=305.0 top=10.0.0.5:3306 in_use=900 capacity=28232".
std::string render_watch_line(const WatchFrame& f, const std::string& clock);

/// What the view remembers of the previous refresh to measure growth.
struct WatchMemory {
  std::map<std::string, std::uint64_t> in_use;  ///< group label → in_use
  std::map<std::string, std::int64_t> counters;
  bool valid = false;
};

/// Fills the frame's states, groups (top `top` of each) and rates from a census, measuring
/// rates and growth against `mem` over `seconds` (the time between the two censuses), then
/// remembers this census in `mem`. The first call has nothing to measure against: rates stay
/// unknown ("-").
void update_watch_frame(WatchFrame& f, WatchMemory& mem, const CensusReport& now, double seconds,
                        std::size_t top);

}  // namespace tcptune
