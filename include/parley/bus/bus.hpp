#pragma once
// The event bus between nodes: publish a payload on a named channel; every
// node subscribed to that name receives it once. LocalBus is the in-process
// single-node bus; RedisBus spans nodes through Redis pub/sub (lossy: callers
// detect seq gaps and repair them from PostgreSQL).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parley::bus {

struct BusStats {
  bool connected = false;
  std::uint64_t published = 0;
  std::uint64_t received = 0;
  std::uint64_t dropped = 0;  // publish queue full or lost while disconnected
  std::uint64_t reconnects = 0;
  std::size_t subscriptions = 0;
};

/// Thread-safe. The message handler runs on a bus thread (RedisBus) or on the
/// publisher's thread (LocalBus): it must only hand the payload off (post to io contexts).
class Bus {
 public:
  using MessageHandler = std::function<void(const std::string& channel, std::shared_ptr<const std::string> payload)>;
  using StateHandler = std::function<void(bool connected)>;

  virtual ~Bus() = default;
  /// Set once, before the first subscribe.
  virtual void set_message_handler(MessageHandler handler) = 0;
  /// Called after every (re)connect and disconnect; a reconnect means messages may have been lost.
  virtual void set_state_handler(StateHandler handler) = 0;
  /// Never blocks; returns false when the message was dropped.
  virtual bool publish(const std::string& channel, std::string payload) = 0;
  /// Idempotent; takes effect asynchronously.
  virtual void subscribe(const std::string& channel) = 0;
  virtual void unsubscribe(const std::string& channel) = 0;
  virtual bool connected() const = 0;
  virtual BusStats stats() const = 0;
  virtual void stop() = 0;
};

/// LocalBus when redis_url is empty, RedisBus otherwise.
std::unique_ptr<Bus> make_bus(const std::string& redis_url, std::size_t publish_queue_limit);

}  // namespace parley::bus
