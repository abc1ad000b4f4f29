#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "support/child_process.hpp"

namespace parley::test {

/// A private redis-server (not daemonized, so its ChildProcess owns it) on
/// 127.0.0.1, for tests that stop, kill or restart Redis. Owned by the test thread.
class RedisProcess {
 public:
  /// port 0 picks a free port; the port stays the same across restarts.
  explicit RedisProcess(std::uint16_t port = 0);
  ~RedisProcess();
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  /// Starts redis-server and waits (5 s at most) until it answers PING; throws otherwise.
  void start();
  /// SIGTERM, then waits for the exit (SIGKILL after 5 s).
  void stop();
  /// SIGKILL: Redis dies without a goodbye, as in a crash.
  void kill();
  bool running();

  std::uint16_t port() const { return port_; }
  /// "redis://127.0.0.1:PORT"
  std::string url() const;
  /// PUBSUB NUMSUB: how many clients are subscribed to `channel` (-1 if Redis does not answer).
  long long numsub(const std::string& channel) const;
  /// The server's log so far (empty if never started).
  std::string log() const;

 private:
  std::uint16_t port_;
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace parley::test
