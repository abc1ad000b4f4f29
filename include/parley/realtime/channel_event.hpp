#pragma once
// A committed event on its way out to watchers (fan-out), and where such events go. Each event's JSON is
// serialized once, when it is written, and that one buffer is what every watcher on every node receives.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace parley::realtime {

struct ChannelEvent {
  std::int64_t app_id = 0;
  std::string cid;
  std::int64_t seq = 0;  // 0: ephemeral (typing, read receipts): not ordered, not stored
  std::shared_ptr<const std::string> frame;  // the event as sent to clients
};

/// Where committed events go (the Hub). Thread-safe; never blocks.
class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  virtual void publish(std::vector<ChannelEvent> events) = 0;
};

}  // namespace parley::realtime
