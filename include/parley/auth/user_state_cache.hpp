#pragma once
// Per-node cache of users' auth state (role, deactivated, deleted, per-user
// revocation cutoff), so an authenticated REST call or WebSocket connect of a
// known user costs no query for it (issue 9 item 5).
//
// An AppRowCache (bounded, TTL, generation-checked fills). Every change of a
// user's auth state (upsert, update, delete, revoke_tokens) invalidates the
// user on this node at once and on every other node through the bus. While
// the bus is down the cache is disabled (every lookup misses): a revocation
// taken by another node could not reach this one, and a revoked token must
// never pass because of a cache.
#include "parley/storage/app_row_cache.hpp"
#include "parley/storage/user_auth_state.hpp"

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace parley::auth {

class UserStateCache : public storage::AppRowCache<std::optional<storage::UserAuthState>> {
 public:
  /// nullopt: the user has no row and no tombstone (a valid token is accepted as role "user").
  using Entry = std::optional<storage::UserAuthState>;
  static constexpr std::size_t kMaxEntries = 100000;
  using Broadcast = std::function<void(std::int64_t app_id, const std::vector<std::string>& user_ids)>;

  explicit UserStateCache(std::chrono::milliseconds ttl = std::chrono::seconds(30))
      : AppRowCache(ttl, kMaxEntries) {}

  /// Drops the users' entries here and, through the broadcast hook, on every node.
  void invalidate_everywhere(std::int64_t app_id, const std::vector<std::string>& user_ids);
  void set_broadcast(Broadcast broadcast) { broadcast_.set(std::move(broadcast)); }

 private:
  storage::BroadcastHook<std::int64_t, const std::vector<std::string>&> broadcast_;
};

/// This process's cache (one per node).
UserStateCache& user_state_cache();

/// The bus form of an invalidation of users ("<app_id> <id> <id>...": ids never contain spaces), and back.
std::string encode_user_invalidation(std::int64_t app_id, const std::vector<std::string>& user_ids);
bool decode_user_invalidation(std::string_view text, std::int64_t& app_id, std::vector<std::string>& user_ids);

}  // namespace parley::auth
