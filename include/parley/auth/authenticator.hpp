#pragma once
// Turns an api key and a token into an Identity, or an ApiError (401):
// signature, time claims, app-wide and per-user revocation, deactivated and
// deleted users. REST and WebSocket both go through it.
// App rows are cached for a short TTL so a request does not cost a query.
#include "parley/protocol/api_error.hpp"
#include "parley/storage/app_repository.hpp"
#include "parley/storage/db_pool.hpp"

#include <boost/asio/awaitable.hpp>

#include "parley/storage/tx.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

namespace parley::auth {

/// Who is calling: an app, and either its server or one of its users.
struct Identity {
  std::shared_ptr<const storage::AppRecord> app;
  bool server = false;
  std::string user_id;
  std::optional<std::int64_t> iat;
  std::string role = "user";  // the user's app role ("user" or "admin")
  std::optional<std::int64_t> exp;  // the token's expiry (seconds since the epoch), when it has one
};

/// Shared by all io threads (internally locked); owned by the Server.
class Authenticator {
 public:
  explicit Authenticator(storage::DbPool& db, std::chrono::milliseconds cache_ttl = std::chrono::seconds(10));

  /// Runs on the connection of the database call that loaded a user's auth state, once it accepted the
  /// user: a caller with more database work (the WebSocket connect's `me`, a REST operation) does it in
  /// that same pool call. Not called for server tokens (they need no query) nor for refused users.
  using Then = std::function<void(storage::Connection& c, const Identity& identity)>;

  boost::asio::awaitable<std::variant<Identity, protocol::ApiError>> authenticate(const std::string& api_key,
                                                                                   const std::string& token,
                                                                                   Then then = nullptr);
  /// Drops a cached app on this node (after its secret or revocation changed).
  void invalidate(const std::string& api_key);
  /// The same here and, through the broadcast hook, on every node (app-wide revocation within 1 s).
  void invalidate_everywhere(const std::string& api_key);
  void set_broadcast(std::function<void(const std::string& api_key)> broadcast);
  /// Drops every cached app on this node (the bus was down: invalidations may have been lost).
  void invalidate_all();

 private:
  boost::asio::awaitable<std::shared_ptr<const storage::AppRecord>> find_app(const std::string& api_key);

  struct CacheEntry {
    std::shared_ptr<const storage::AppRecord> app;  // null: no such key (negative cache)
    std::chrono::steady_clock::time_point expires;
  };
  static constexpr std::size_t kMaxCachedKeys = 10000;

  storage::DbPool& db_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, CacheEntry> cache_;
  std::function<void(const std::string&)> broadcast_;
};

}  // namespace parley::auth
