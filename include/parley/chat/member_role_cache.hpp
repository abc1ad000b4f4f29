#pragma once
// Per-node cache of members' roles in channels (issue 9 item 5), for the
// permission checks of channel operations: a caller's role in a channel is
// read on nearly every write and changes rarely.
//
// An AppRowCache keyed by (channel pk, user id); "not a member" is cached too.
// Every membership change (members added, removed or given a role; a user's
// hard delete) drops the channel's entries on this node when its transaction
// ends and on every other node through the bus ("members <pk>"). While the bus
// is down the cache is disabled, as the user auth state cache is. Checks that
// must see their own transaction's view (the owner rules of a membership
// change, under the channel's row lock) read PostgreSQL, not this cache.
#include "parley/storage/app_row_cache.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace parley::chat {

class MemberRoleCache : public storage::AppRowCache<std::optional<std::string>> {
 public:
  /// The role; nullopt when the user is not a member.
  using Entry = std::optional<std::string>;
  static constexpr std::size_t kMaxEntries = 200000;
  using Broadcast = std::function<void(std::int64_t channel_pk)>;

  explicit MemberRoleCache(std::chrono::milliseconds ttl = std::chrono::seconds(30)) : AppRowCache(ttl, kMaxEntries) {}

  /// Drops every entry of the channel here and, through the broadcast hook, on every node.
  void invalidate_channel_everywhere(std::int64_t channel_pk);
  /// Drops every entry of the channel here (another node's change).
  void invalidate_channel(std::int64_t channel_pk) { invalidate_app(channel_pk); }
  void set_broadcast(Broadcast broadcast) { broadcast_.set(std::move(broadcast)); }

 private:
  storage::BroadcastHook<std::int64_t> broadcast_;
};

/// This process's cache (one per node).
MemberRoleCache& member_role_cache();

/// Drops the channels' cached roles everywhere when it goes out of scope: declared before the
/// transaction that changes their memberships, it runs after that transaction committed or rolled
/// back, so no fill from inside the transaction (or from before it) outlives it.
class MembershipChange {
 public:
  MembershipChange() = default;
  MembershipChange(const MembershipChange&) = delete;
  MembershipChange& operator=(const MembershipChange&) = delete;
  ~MembershipChange();
  /// A channel whose members this operation changes.
  void add(std::int64_t channel_pk) { channels_.push_back(channel_pk); }

 private:
  std::vector<std::int64_t> channels_;
};

}  // namespace parley::chat
