#pragma once
/// `tcptune sockets --watch`: the refresh loop, the terminal (ncurses) and the keys. The
/// layout is render/watch_view; the census is census/.

#include <cstddef>
#include <string>

#include "census/census.hpp"
#include "cli/context.hpp"

namespace tcptune {

struct WatchOptions {
  double interval = 2.0;  ///< seconds between refreshes
  std::size_t count = 0;  ///< refreshes before it stops by itself (0: until 'q' or a signal)
  std::size_t top = 10;
  CensusSource source = CensusSource::automatic;
  std::string netns;   ///< entered before the first refresh (already entered by the caller)
  bool owners = true;  ///< look up the owners of the groups shown (one /proc walk a refresh)
};

/// Full screen on a terminal (stdout a tty and TERM usable), else one line per refresh on
/// `ctx.out`. Returns the exit code.
int run_watch(Context& ctx, const WatchOptions& opt);

}  // namespace tcptune
