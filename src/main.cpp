#include <iostream>
#include <string>
#include <vector>

#include "cli/app.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv, argv + argc);
  int rc = tcptune::run_app(args, std::cout, std::cerr);
  std::cout.flush();
  return rc;
}
