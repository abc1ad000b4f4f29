#pragma once
// The subcommands of the parley binary (API.md section 7).
#include <string>
#include <vector>

namespace parley::app {

/// Exit codes: 0 ok, 1 runtime failure, 2 invalid usage or configuration.
int run_command(const std::vector<std::string>& args);

}  // namespace parley::app
