#pragma once
// RedisClient: Redis commands (not pub/sub) from any thread, never blocking
// the caller. One dedicated thread owns one hiredis connection and pipelines
// every queued command; each command's callback runs on that thread with the
// reply (or `ok == false` when Redis could not be reached), so callbacks must
// only hand the result off. The queue is bounded; while Redis is down queued
// and new commands fail at once instead of waiting (callers fail open or
// closed as their feature requires). Reconnects with backoff (100 ms .. 5 s).
#include "parley/bus/redis_bus.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace parley::bus {

/// One reply, converted from hiredis: nil, integer, string/status, error or array.
struct RedisReply {
  bool ok = false;  // false: no reply (Redis unreachable, timed out or the queue full)
  bool error = false;  // a Redis error reply (text in `str`)
  bool nil = false;
  long long integer = 0;
  std::string str;
  std::vector<RedisReply> elements;
};

class RedisClient {
 public:
  using Callback = std::function<void(RedisReply)>;

  RedisClient(RedisEndpoint endpoint, std::size_t queue_limit);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  /// Queues `args` (e.g. {"EVAL", script, "1", key, ...}); `done` is called exactly once.
  void command(std::vector<std::string> args, Callback done);
  bool connected() const { return up_.load(); }
  void stop();

 private:
  struct Pending {
    std::vector<std::string> args;
    Callback done;
  };
  void loop();
  void fail_queued();

  RedisEndpoint endpoint_;
  std::size_t queue_limit_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> up_{false};
  std::thread thread_;
};

}  // namespace parley::bus
