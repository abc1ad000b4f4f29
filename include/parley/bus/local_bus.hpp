#pragma once
#include "parley/bus/bus.hpp"

#include <atomic>
#include <mutex>
#include <set>

namespace parley::bus {

/// One node, no Redis: publish() hands the payload to the handler at once if subscribed.
class LocalBus final : public Bus {
 public:
  void set_message_handler(MessageHandler handler) override;
  void set_state_handler(StateHandler handler) override;
  bool publish(const std::string& channel, std::string payload) override;
  void subscribe(const std::string& channel) override;
  void unsubscribe(const std::string& channel) override;
  bool connected() const override { return true; }
  BusStats stats() const override;
  void stop() override {}

 private:
  mutable std::mutex mutex_;
  std::set<std::string, std::less<>> channels_;
  MessageHandler handler_;
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> received_{0};
};

}  // namespace parley::bus
