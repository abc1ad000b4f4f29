#include "parley/chat/channel_type_cache.hpp"

namespace parley::chat {

void ChannelTypeCache::invalidate_everywhere(std::int64_t app_id) {
  invalidate_app(app_id);
  broadcast_(app_id);
}

ChannelTypeCache& channel_type_cache() {
  static ChannelTypeCache cache;
  return cache;
}

}  // namespace parley::chat
