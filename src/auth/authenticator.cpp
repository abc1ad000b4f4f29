#include "parley/auth/authenticator.hpp"

#include "parley/auth/jwt.hpp"
#include "parley/auth/user_state_cache.hpp"
#include "parley/protocol/ids.hpp"
#include "parley/storage/user_auth_state.hpp"


namespace parley::auth {

using protocol::ApiError;

namespace {

/// A verified token of a user against that user's auth state (nullopt: no row, accepted as role "user").
std::variant<Identity, ApiError> judge_user(Identity identity, const std::optional<storage::UserAuthState>& state) {
  if (!state) return identity;
  if (state->deleted || state->deactivated) return ApiError::unauthenticated("user is deactivated or deleted");
  if (state->revoke_tokens_before_s && (!identity.iat || *identity.iat < *state->revoke_tokens_before_s)) {
    return ApiError{"token_revoked", 401, "token was revoked"};
  }
  identity.role = state->role;
  return identity;
}

}  // namespace

Authenticator::Authenticator(storage::DbPool& db, std::chrono::milliseconds cache_ttl) : db_(db), ttl_(cache_ttl) {}

void Authenticator::invalidate(const std::string& api_key) {
  std::lock_guard lock(mutex_);
  cache_.erase(api_key);
}

void Authenticator::invalidate_all() {
  std::lock_guard lock(mutex_);
  cache_.clear();
}

void Authenticator::invalidate_everywhere(const std::string& api_key) {
  invalidate(api_key);
  std::function<void(const std::string&)> broadcast;
  {
    std::lock_guard lock(mutex_);
    broadcast = broadcast_;
  }
  if (broadcast) broadcast(api_key);
}

void Authenticator::set_broadcast(std::function<void(const std::string&)> broadcast) {
  std::lock_guard lock(mutex_);
  broadcast_ = std::move(broadcast);
}

boost::asio::awaitable<std::shared_ptr<const storage::AppRecord>> Authenticator::find_app(
    const std::string& api_key) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(api_key); it != cache_.end() && it->second.expires > now) co_return it->second.app;
  }
  // Named, not a temporary: GCC 12 mishandles class-type temporaries inside co_await expressions.
  auto lookup = [api_key](storage::Connection& c) {
    storage::Tx tx(c, storage::TxKind::read);
    return storage::find_app_by_key(tx, api_key);
  };
  auto record = co_await db_.run(std::move(lookup));
  std::shared_ptr<const storage::AppRecord> app;
  if (record) app = std::make_shared<const storage::AppRecord>(std::move(*record));
  {
    std::lock_guard lock(mutex_);
    if (cache_.size() >= kMaxCachedKeys) cache_.clear();  // bounded; refills on demand
    cache_[api_key] = CacheEntry{app, now + ttl_};
  }
  co_return app;
}

boost::asio::awaitable<std::variant<Identity, ApiError>> Authenticator::authenticate(const std::string& api_key,
                                                                                      const std::string& token,
                                                                                      Then then) {
  if (api_key.empty()) co_return ApiError::unauthenticated("missing api key (X-Api-Key header or api_key)");
  if (api_key.size() > 128) co_return ApiError::unauthenticated("unknown api key");
  if (token.empty()) co_return ApiError::unauthenticated("missing token (Authorization: Bearer or token)");
  auto app = co_await find_app(api_key);
  if (!app) co_return ApiError::unauthenticated("unknown api key");
  auto verified = verify_token(token, app->api_secret, std::chrono::system_clock::now());
  if (auto* err = std::get_if<ApiError>(&verified)) co_return std::move(*err);
  auto& claims = std::get<TokenClaims>(verified);
  if (!claims.server && app->revoke_tokens_before_s &&
      (!claims.iat || *claims.iat < *app->revoke_tokens_before_s)) {
    co_return ApiError{"token_revoked", 401, "token was revoked"};
  }
  Identity identity{app, claims.server, claims.user_id, claims.iat, "user", claims.exp};
  if (claims.server) co_return identity;
  if (!protocol::is_valid_user_id(claims.user_id)) co_return ApiError::unauthenticated("token user_id is not a valid id");
  auto& users = user_state_cache();
  if (auto cached = users.lookup(identity.app->id, identity.user_id)) {
    auto judged = judge_user(std::move(identity), *cached);
    if (std::holds_alternative<ApiError>(judged) || !then) co_return judged;
    // The caller's work is the request's only query.
    auto work = [accepted = std::get<Identity>(std::move(judged)), then = std::move(then)](storage::Connection& c)
        -> std::variant<Identity, ApiError> {
      then(c, accepted);
      return accepted;
    };
    co_return co_await db_.run(std::move(work));
  }
  // One pool call: the user's auth state (one statement, no transaction around it), then, only for an
  // accepted user, the caller's own work on the same connection.
  const auto generation = users.generation();
  auto load = [identity, generation, then = std::move(then)](storage::Connection& c) -> std::variant<Identity, ApiError> {
    std::optional<storage::UserAuthState> state;
    {
      storage::Tx tx(c, storage::TxKind::autocommit);
      state = storage::load_user_auth_state(tx, identity.app->id, identity.user_id);
    }
    user_state_cache().store(identity.app->id, identity.user_id, state, generation);
    auto judged = judge_user(identity, state);
    if (then && std::holds_alternative<Identity>(judged)) then(c, std::get<Identity>(judged));
    return judged;
  };
  co_return co_await db_.run(std::move(load));
}

}  // namespace parley::auth
