#pragma once
// RedisBus: Bus over Redis pub/sub with hiredis (sync API on two dedicated threads).
//
// Design: a publisher thread owns one connection and pipelines PUBLISH
// commands from a bounded queue; a subscriber thread owns another connection,
// polls its socket together with an eventfd, and reconciles the wanted set of
// channels with the subscribed set whenever woken. Either connection failing
// (error, EOF, or no reply to a PING within 3 s) is dropped and reopened with
// exponential backoff (100 ms .. 5 s); after a reconnect the subscriber
// subscribes again to every wanted channel and the state handler is told, so
// callers can fill gaps from PostgreSQL. No io thread ever waits on Redis.
#include "parley/bus/bus.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <vector>
#include <string>
#include <thread>
#include <utility>

struct redisContext;

namespace parley::bus {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;
};

/// "redis://[:password@]host[:port][/db]"; throws std::invalid_argument.
RedisEndpoint parse_redis_url(const std::string& url);

/// A connected, authenticated hiredis context with 2 s timeouts and keep-alive, or null.
redisContext* connect_redis(const RedisEndpoint& endpoint);

class RedisBus final : public Bus {
 public:
  RedisBus(RedisEndpoint endpoint, std::size_t publish_queue_limit);
  ~RedisBus() override;

  void set_message_handler(MessageHandler handler) override;
  void set_state_handler(StateHandler handler) override;
  bool publish(const std::string& channel, std::string payload) override;
  void subscribe(const std::string& channel) override;
  void unsubscribe(const std::string& channel) override;
  bool connected() const override;
  BusStats stats() const override;
  void stop() override;

 private:
  redisContext* reconnect(std::chrono::milliseconds& backoff, bool& had_connection);
  void publisher_loop();
  void subscriber_loop();
  bool run_subscriber_session(redisContext* ctx);
  void sleep_backoff(std::chrono::milliseconds& backoff);
  void set_link_state(std::atomic<bool>& link, bool up);
  void wake_subscriber();
  /// Under sub_mutex_: records that `channel`'s wanted state changed.
  void note_changed(const std::string& channel);

  RedisEndpoint endpoint_;
  std::size_t queue_limit_;

  mutable std::mutex handler_mutex_;
  std::mutex transition_mutex_;
  MessageHandler message_handler_;
  StateHandler state_handler_;

  std::mutex pub_mutex_;
  std::condition_variable pub_cv_;
  std::deque<std::pair<std::string, std::string>> pub_queue_;

  std::mutex sub_mutex_;
  std::set<std::string> wanted_;
  // Channels whose wanted state changed since the subscriber last looked: it reconciles only these
  // (a full pass over wanted_ only on a new connection), so a subscribe costs O(log n), not O(n).
  std::vector<std::string> changed_;
  bool resync_ = false;  // changed_ overflowed (e.g. while Redis was down): the next pass is a full one
  static constexpr std::size_t kMaxChanged = 65536;

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  int wake_fd_ = -1;

  std::atomic<bool> pub_up_{false};
  std::atomic<bool> sub_up_{false};
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> reconnects_{0};

  std::thread publisher_;
  std::thread subscriber_;
};

}  // namespace parley::bus
