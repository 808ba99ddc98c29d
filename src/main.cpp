#include <iostream>
#include <string>
#include <vector>

#include "cli/app.hpp"
#include "sys/fd_stream.hpp"

int main(int argc, char** argv) {
  // A reader that goes away (`tcptune check | head -1`) must not kill an apply between two
  // writes: the write fails with EPIPE instead, and run_app reports the lost output.
  tcptune::ignore_sigpipe();
  tcptune::FdOutBuf out_buf(1);
  std::ostream out(&out_buf);
  std::vector<std::string> args(argv, argv + argc);
  return tcptune::run_app(args, out, std::cerr);
}
