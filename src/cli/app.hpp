#pragma once
/// The library entry point behind main(): parses the command line, runs the command, maps
/// errors to exit codes. Tests call it directly.

#include <iosfwd>
#include <string>
#include <vector>

namespace tcptune {

int run_app(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

}  // namespace tcptune
