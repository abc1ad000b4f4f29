#pragma once
// Server: builds every part of a serving node from the Config, runs the io
// threads, and drains on SIGTERM/SIGINT. Owned by `parley serve` (main thread).
#include "parley/config/config.hpp"

namespace parley::app {

/// Blocks until the server has drained after a signal; returns the process exit code.
int run_server(const config::Config& config);

}  // namespace parley::app
