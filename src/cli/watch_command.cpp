#include "cli/watch_command.hpp"

#include <curses.h>
#include <dlfcn.h>
#include <langinfo.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <clocale>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <ostream>
#include <thread>
#include <type_traits>

#include "render/watch_view.hpp"
#include "sys/netns.hpp"
#include "sys/netns_list.hpp"
#include "sys/proc_sys.hpp"

namespace tcptune {

namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int) { g_stop = 1; }

/// SIGINT/SIGTERM end the loop cleanly (the terminal is restored) instead of killing it.
class StopSignals {
 public:
  StopSignals() {
    g_stop = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    ::sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &m_int);
    ::sigaction(SIGTERM, &sa, &m_term);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  ~StopSignals() {
    ::sigaction(SIGINT, &m_int, nullptr);
    ::sigaction(SIGTERM, &m_term, nullptr);
  }

 private:
  struct sigaction m_int {};
  struct sigaction m_term {};
};

/// ncursesw, loaded when the screen view starts (dlopen): no other command needs it, and a
/// shared library linked at build time is mapped and bound at every start of every command
/// (bench/check). Only the calls below; curses.h gives the types and constants, and its macros
/// (stdscr, erase(), getch()...) are not used, since they name the library's symbols.
struct Term;  // TERMINAL, from <term.h>, which is not included: its macros would rename words
struct Curses {
  int (*setupterm)(const char* term, int fd, int* err) = nullptr;
  int (*del_curterm)(Term* t) = nullptr;
  Term** cur_term = nullptr;
  SCREEN* (*newterm)(const char* type, FILE* out, FILE* in) = nullptr;
  SCREEN* (*set_term)(SCREEN* screen) = nullptr;
  void (*delscreen)(SCREEN* screen) = nullptr;
  int (*endwin)() = nullptr;
  int (*cbreak)() = nullptr;
  int (*noecho)() = nullptr;
  int (*keypad)(WINDOW* w, bool on) = nullptr;
  int (*curs_set)(int visibility) = nullptr;
  WINDOW** stdscr = nullptr;
  int (*maxy)(const WINDOW* w) = nullptr;  // getmaxy, getmaxx: also macros in curses.h
  int (*maxx)(const WINDOW* w) = nullptr;
  int (*werase)(WINDOW* w) = nullptr;
  int (*wmove)(WINDOW* w, int y, int x) = nullptr;
  int (*waddnstr)(WINDOW* w, const char* text, int n) = nullptr;
  int (*wrefresh)(WINDOW* w) = nullptr;
  void (*wtimeout)(WINDOW* w, int delay) = nullptr;
  int (*wgetch)(WINDOW* w) = nullptr;
};

/// The library's calls, or why they cannot be had (the library or one of its symbols missing).
/// Loaded once; the handle stays open to the end of the process.
const Curses* load_curses(std::string& why) {
  static Curses curses;
  static std::string error;
  static bool tried = false;
  if (!tried) {
    tried = true;
    void* lib = ::dlopen(TCPTUNE_NCURSES_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* e = ::dlerror();
      error = e != nullptr ? e : TCPTUNE_NCURSES_SONAME ": cannot be loaded";
    }
    auto get = [&](auto& fn, const char* name) {
      if (lib == nullptr || !error.empty()) return;
      void* sym = ::dlsym(lib, name);  // also ncursesw's own dependency, tinfo
      if (sym == nullptr) {
        error = std::string(TCPTUNE_NCURSES_SONAME) + ": no symbol " + name;
        return;
      }
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(sym);
    };
    get(curses.setupterm, "setupterm");
    get(curses.del_curterm, "del_curterm");
    get(curses.cur_term, "cur_term");
    get(curses.newterm, "newterm");
    get(curses.set_term, "set_term");
    get(curses.delscreen, "delscreen");
    get(curses.endwin, "endwin");
    get(curses.cbreak, "cbreak");
    get(curses.noecho, "noecho");
    get(curses.keypad, "keypad");
    get(curses.curs_set, "curs_set");
    get(curses.stdscr, "stdscr");
    get(curses.maxy, "getmaxy");
    get(curses.maxx, "getmaxx");
    get(curses.werase, "werase");
    get(curses.wmove, "wmove");
    get(curses.waddnstr, "waddnstr");
    get(curses.wrefresh, "wrefresh");
    get(curses.wtimeout, "wtimeout");
    get(curses.wgetch, "wgetch");
  }
  why = error;
  return error.empty() ? &curses : nullptr;
}

/// newterm() … endwin(), also when a census throws. newterm, not initscr: initscr prints
/// its own message and exits 1 when the terminal cannot be driven (a TERM terminfo does not
/// know, a size over 32767); newterm returns null and the caller says so.
class Screen {
 public:
  /// `screen` from a newterm() that succeeded.
  Screen(const Curses& c, SCREEN* screen) : m_c(c), m_screen(screen) {
    m_c.set_term(m_screen);
    m_c.cbreak();
    m_c.noecho();
    m_c.keypad(*m_c.stdscr, true);
    m_c.curs_set(0);
  }
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;
  ~Screen() {
    m_c.endwin();
    m_c.delscreen(m_screen);
  }

 private:
  const Curses& m_c;
  SCREEN* m_screen;
};

std::string clock_text() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

/// One census; on failure the frame's status says why and the old figures stay.
bool take_frame(Context& ctx, const WatchOptions& opt, WatchFrame& f, WatchMemory& mem,
                Clock::time_point& last) {
  ProcSys proc(ctx.fs);
  SampleRequest one;  // one snapshot each refresh; the rates come from the refreshes
  one.automatic = false;
  one.seconds = 0;
  one.owners = opt.owners;
  one.owner_top = opt.top;
  Result<CensusReport> rep = take_sampled_census(ctx.fs, proc, opt.source, one);
  const auto now = Clock::now();
  if (!rep.ok()) {
    f.status = "census failed: " + rep.error().message();
    return false;
  }
  const double seconds = std::chrono::duration<double>(now - last).count();
  update_watch_frame(f, mem, rep.value(), seconds, opt.top);
  last = now;
  return true;
}

int run_lines(Context& ctx, const WatchOptions& opt) {
  WatchFrame f;
  f.netns = opt.netns.empty() ? "current" : opt.netns;
  f.interval = opt.interval;
  WatchMemory mem;
  auto last = Clock::now();
  const auto period = std::chrono::duration<double>(opt.interval);
  auto next = Clock::now();
  for (std::size_t n = 0; opt.count == 0 || n < opt.count; ++n) {
    if (g_stop) break;
    if (!take_frame(ctx, opt, f, mem, last)) throw SystemFailure(f.status);
    ctx.out << render_watch_line(f, clock_text()) << std::flush;
    if (!ctx.out) throw SystemFailure("cannot write the watch output");
    if (opt.count != 0 && n + 1 == opt.count) break;
    next += std::chrono::duration_cast<Clock::duration>(period);
    while (!g_stop && Clock::now() < next)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

int run_screen(Context& ctx, const WatchOptions& opt) {
  std::setlocale(LC_ALL, "");
  const bool utf8 = std::string(::nl_langinfo(CODESET)) == "UTF-8";
  std::vector<NetnsEntry> spaces;  // listed when 'n' is first pressed
  std::size_t space = 0;
  NetnsReturn home;
  std::string why;
  const Curses* lib = load_curses(why);
  if (lib == nullptr) {
    ctx.err << "tcptune: note: no curses library (" << why << "); one line per refresh\n";
    return run_lines(ctx, opt);
  }
  const Curses& c = *lib;
  // The terminfo entry first: newterm() on a TERM terminfo does not know also returns null, but
  // leaks what it allocated; setupterm() does not.
  int terminfo = 0;
  const bool known = c.setupterm(nullptr, STDOUT_FILENO, &terminfo) == OK;
  if (known) c.del_curterm(*c.cur_term);
  SCREEN* curses = known ? c.newterm(nullptr, stdout, stdin) : nullptr;
  if (curses == nullptr) {
    const char* term = std::getenv("TERM");
    ctx.err << "tcptune: note: curses cannot drive this terminal (TERM=" << (term ? term : "")
            << ": not in the terminfo database, or a size over 32767); one line per refresh\n";
    return run_lines(ctx, opt);
  }
  Screen screen(c, curses);
  WatchFrame f;
  f.netns = opt.netns.empty() ? "current" : opt.netns;
  f.interval = opt.interval;
  WatchMemory mem;
  auto last = Clock::now();
  const auto start = Clock::now();
  const auto period =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.interval));
  auto next = Clock::now();
  std::size_t refreshes = 0;
  bool dirty = true;
  while (!g_stop) {
    if (Clock::now() >= next) {
      if (!f.paused) {
        if (take_frame(ctx, opt, f, mem, last)) ++refreshes;
      }
      next = Clock::now() + period;
      dirty = true;
    }
    if (dirty) {
      f.elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      WINDOW* win = *c.stdscr;
      const int h = c.maxy(win);
      const int w = c.maxx(win);
      c.werase(win);
      const auto lines = render_watch(f, w, h, utf8);
      for (std::size_t i = 0; i < lines.size() && static_cast<int>(i) < h; ++i)
        if (c.wmove(win, static_cast<int>(i), 0) != ERR) c.waddnstr(win, lines[i].c_str(), -1);
      c.wrefresh(win);
      dirty = false;
    }
    if (opt.count != 0 && refreshes >= opt.count) break;
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
    c.wtimeout(*c.stdscr, static_cast<int>(std::clamp<long long>(wait.count(), 10, 1000)));
    const int ch = c.wgetch(*c.stdscr);
    if (ch == ERR) continue;
    dirty = true;
    f.status.clear();
    switch (ch) {
      case 'q':
      case 'Q':
        return 0;
      case 'p':
      case ' ':
        f.paused = !f.paused;
        break;
      case 's':
        f.sort = f.sort == WatchSort::sockets    ? WatchSort::headroom
                 : f.sort == WatchSort::headroom ? WatchSort::rate
                                                 : WatchSort::sockets;
        sort_groups(f.destinations, f.sort);
        sort_groups(f.ports, f.sort);
        break;
      case 'n': {
        if (!ctx.fs.is_host_root()) {
          f.status = "namespaces: not under --root";
          break;
        }
        if (spaces.empty()) {
          Result<std::vector<NetnsEntry>> l = list_network_namespaces("/");
          if (!l.ok() || l.value().empty()) {
            f.status = "namespaces: " + (l.ok() ? std::string("none found") : l.error().message());
            break;
          }
          spaces = std::move(l.value());
          space = spaces.size() - 1;  // the next press shows the first
        }
        space = (space + 1) % spaces.size();
        if (!home.restore() || !enter_netns(spaces[space].path).ok()) {
          f.status = "cannot enter " + spaces[space].path + " (needs root)";
          home.restore();
          break;
        }
        f.netns = spaces[space].name;
        f.netns_index = space;
        f.netns_count = spaces.size();
        f.connects.clear();
        f.accepts.clear();
        f.closes.clear();
        mem = WatchMemory{};
        next = Clock::now();  // refresh now, in the new namespace
        break;
      }
      case KEY_RESIZE:
        break;
      default:
        f.status = "keys: q quit  p pause  s sort  n next namespace";
        break;
    }
  }
  return 0;
}

}  // namespace

int run_watch(Context& ctx, const WatchOptions& opt) {
  StopSignals signals;
  const char* term = std::getenv("TERM");
  const bool tty = ::isatty(STDOUT_FILENO) == 1 && ::isatty(STDIN_FILENO) == 1 && term != nullptr &&
                   std::string(term) != "dumb";
  return tty ? run_screen(ctx, opt) : run_lines(ctx, opt);
}

}  // namespace tcptune
