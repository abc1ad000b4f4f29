#pragma once
// Per-node cache of channel types as they apply in each app (issue 9 item 5):
// the send, read and watch paths check grants and switches without a query.
//
// An AppRowCache (bounded, TTL, generation-checked fills; see there). A change
// of a channel type invalidates its app on this node at once and on every
// other node through the bus (Hub::broadcast_invalidation); the 10 s TTL is
// the safety net while the bus is down.
#include "parley/chat/channel_types.hpp"
#include "parley/storage/app_row_cache.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

namespace parley::chat {

class ChannelTypeCache : public storage::AppRowCache<std::shared_ptr<const ChannelTypeConfig>> {
 public:
  using Entry = std::shared_ptr<const ChannelTypeConfig>;  // null: the app has no such type
  static constexpr std::size_t kMaxEntries = 10000;

  explicit ChannelTypeCache(std::chrono::milliseconds ttl = std::chrono::seconds(10))
      : AppRowCache(ttl, kMaxEntries) {}

  /// Drops the app's entries here and, through the broadcast hook, on every node.
  void invalidate_everywhere(std::int64_t app_id);
  /// How invalidate_everywhere reaches the other nodes (set by the Server).
  void set_broadcast(std::function<void(std::int64_t app_id)> broadcast) { broadcast_.set(std::move(broadcast)); }

 private:
  storage::BroadcastHook<std::int64_t> broadcast_;
};

/// This process's cache (one per node).
ChannelTypeCache& channel_type_cache();

}  // namespace parley::chat
