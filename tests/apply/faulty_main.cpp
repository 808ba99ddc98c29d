// tcptune_faulty: the tcptune program with the fault-injecting write side
// (fault_write_side.hpp), for the crash tests. Never installed.

#include <iostream>
#include <string>
#include <vector>

#include "apply/write_side.hpp"
#include "cli/app.hpp"
#include "fault_write_side.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  tcptune::set_write_side_wrapper([](std::unique_ptr<tcptune::WriteSide> real) {
    return tcptune::test::FaultWriteSide::from_env(std::move(real));
  });
  std::vector<std::string> args(argv, argv + argc);
  int rc = tcptune::run_app(args, std::cout, std::cerr);
  std::cout.flush();
  return rc;
}
