#pragma once
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace parley::test {

/// A program started by a test, its stdout and stderr captured in one log file.
/// Owned by the test thread that started it (the child gets SIGKILL if that thread
/// dies, via PR_SET_PDEATHSIG); the destructor kills and reaps it if still running.
class ChildProcess {
 public:
  /// Starts argv[0] (searched on PATH when it has no '/') with the test's
  /// environment plus `env` (which overrides). Throws if the program cannot run.
  explicit ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// No-op once the process has been reaped.
  void send_signal(int signal);
  /// Exit code, or 128 + signal number; nullopt if still running after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();
  /// Everything the process wrote to stdout and stderr so far.
  std::string log() const;
  /// The last `lines` lines of log().
  std::string log_tail(std::size_t lines = 100) const;
  const std::string& log_path() const { return log_path_; }
  /// "argv[0] (pid N)" for messages.
  std::string describe() const;

 private:
  bool reap(bool block);

  std::vector<std::string> argv_;
  TempDir dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

}  // namespace parley::test
