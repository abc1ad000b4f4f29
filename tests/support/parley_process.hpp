#pragma once
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace parley::test {

/// What a run-to-completion subcommand (`parley migrate`, `parley app create`) did.
struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

/// The real `parley` binary (PARLEY_BINARY) run by an end-to-end test, e.g. a
/// `serve` node. Owned by the test thread; killed (SIGKILL) on destruction if
/// still running, and its log is printed when the test failed.
class ParleyProcess {
 public:
  /// `args` follow the binary name; `env` is added to the test's environment.
  /// Nothing runs before start().
  explicit ParleyProcess(std::vector<std::string> args, std::map<std::string, std::string> env = {});
  ~ParleyProcess();
  ParleyProcess(const ParleyProcess&) = delete;
  ParleyProcess& operator=(const ParleyProcess&) = delete;

  /// {"serve", "--listen", "127.0.0.1:PORT", "--database-url", URL,
  ///  ["--redis-url", REDIS], extra...}. Add "--migrate" to `extra` on a fresh database.
  static std::vector<std::string> serve_args(std::uint16_t port, const std::string& database_url,
                                             const std::optional<std::string>& redis_url = std::nullopt,
                                             const std::vector<std::string>& extra = {});
  /// Runs `parley args...` to completion; throws TimeoutError (with its output) if it does not end.
  static CommandResult run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(60));

  /// Starts (or restarts, after an exit) the process with the same arguments.
  void start();
  /// Polls GET /healthz (over TLS when --tls-cert is given) until 200. Throws,
  /// with the end of the log in the message, on timeout or if the process exits.
  void wait_healthy(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// The port of --listen HOST:PORT (throws if the arguments have none).
  std::uint16_t port() const;
  bool tls() const { return tls_; }

  pid_t pid() const;
  void send_signal(int signal);
  /// Exit code, or 128 + signal; nullopt if still running after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();
  std::string log() const;
  /// SIGTERM (graceful drain), then the exit code. On timeout: SIGKILL and TimeoutError.
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// SIGKILL, as in a crash or a lost machine.
  void kill();

 private:
  ChildProcess& process(const char* what);
  const ChildProcess& process(const char* what) const;

  std::vector<std::string> args_;
  std::map<std::string, std::string> env_;
  std::optional<std::uint16_t> port_;
  bool tls_ = false;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace parley::test
