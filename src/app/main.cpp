// parley: serve | migrate | app create | token create | config | version
#include "parley/app/commands.hpp"

#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return parley::app::run_command(args);
}
