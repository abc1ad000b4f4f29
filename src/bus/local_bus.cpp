#include "parley/bus/local_bus.hpp"

#include "parley/bus/redis_bus.hpp"

namespace parley::bus {

void LocalBus::set_message_handler(MessageHandler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

void LocalBus::set_state_handler(StateHandler handler) {
  if (handler) handler(true);
}

bool LocalBus::publish(const std::string& channel, std::string payload) {
  MessageHandler handler;
  {
    std::lock_guard lock(mutex_);
    published_.fetch_add(1, std::memory_order_relaxed);
    if (channels_.count(channel) == 0 || !handler_) return true;
    handler = handler_;
  }
  received_.fetch_add(1, std::memory_order_relaxed);
  handler(channel, std::make_shared<const std::string>(std::move(payload)));
  return true;
}

void LocalBus::subscribe(const std::string& channel) {
  std::lock_guard lock(mutex_);
  channels_.insert(channel);
}

void LocalBus::unsubscribe(const std::string& channel) {
  std::lock_guard lock(mutex_);
  channels_.erase(channel);
}

BusStats LocalBus::stats() const {
  BusStats s;
  s.connected = true;
  s.published = published_.load();
  s.received = received_.load();
  std::lock_guard lock(mutex_);
  s.subscriptions = channels_.size();
  return s;
}

std::unique_ptr<Bus> make_bus(const std::string& redis_url, std::size_t publish_queue_limit) {
  if (redis_url.empty()) return std::make_unique<LocalBus>();
  return std::make_unique<RedisBus>(parse_redis_url(redis_url), publish_queue_limit);
}

}  // namespace parley::bus
