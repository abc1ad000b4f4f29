#include "parley/chat/member_role_cache.hpp"

namespace parley::chat {

void MemberRoleCache::invalidate_channel_everywhere(std::int64_t channel_pk) {
  invalidate_channel(channel_pk);
  broadcast_(channel_pk);
}

MemberRoleCache& member_role_cache() {
  static MemberRoleCache cache;
  return cache;
}

MembershipChange::~MembershipChange() {
  for (const auto pk : channels_) member_role_cache().invalidate_channel_everywhere(pk);
}

}  // namespace parley::chat
