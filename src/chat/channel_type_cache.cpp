#include "parley/chat/channel_type_cache.hpp"

namespace parley::chat {

void ChannelTypeCache::invalidate_everywhere(std::int64_t app_id) {
  invalidate_app(app_id);
  std::function<void(std::int64_t)> broadcast;
  {
    std::lock_guard lock(broadcast_mutex_);
    broadcast = broadcast_;
  }
  if (broadcast) broadcast(app_id);
}

void ChannelTypeCache::set_broadcast(std::function<void(std::int64_t)> broadcast) {
  std::lock_guard lock(broadcast_mutex_);
  broadcast_ = std::move(broadcast);
}

ChannelTypeCache& channel_type_cache() {
  static ChannelTypeCache cache;
  return cache;
}

}  // namespace parley::chat
