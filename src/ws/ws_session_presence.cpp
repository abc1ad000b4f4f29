// WsSession, presence: the connection's presence entry (and the per-user limit, 4029), presence.set,
// and user.presence.changed for watches with "presence": true.
#include "parley/ws/ws_session.hpp"
#include "parley/ws/write_coalescer.hpp"

#include "ws_session_support.hpp"

#include "parley/protocol/timestamp.hpp"

#include <boost/beast/websocket.hpp>

namespace parley::ws {

// Subscribes this connection to user.presence.changed of the members of the channel `key` (refcounted over
// the watched channels); the watch's earlier presence subscriptions are released first.
template <class Stream>
void WsSession<Stream>::follow_presence(const std::string& key, const nlohmann::json& members) {
  unfollow_presence(key);
  std::vector<std::string> keys;
  for (const auto& m : members) {
    const std::string user = m.value("user_id", "");
    if (user.empty()) continue;
    const std::string pkey = realtime::channel_key(identity_.app->id, realtime::presence_cid(user));
    if (presence_refs_[pkey]++ == 0) deps_.hub.watch(shard_, this, pkey);
    keys.push_back(pkey);
  }
  presence_of_watch_[key] = std::move(keys);
}

template <class Stream>
void WsSession<Stream>::unfollow_presence(const std::string& key) {
  auto it = presence_of_watch_.find(key);
  if (it == presence_of_watch_.end()) return;
  for (const auto& pkey : it->second) {
    auto ref = presence_refs_.find(pkey);
    if (ref == presence_refs_.end() || --ref->second > 0) continue;
    presence_refs_.erase(ref);
    deps_.hub.unwatch(shard_, this, pkey);
  }
  presence_of_watch_.erase(it);
}

// Adds "online" to every member of the watch results (one presence query for all of them).
template <class Stream>
asio::awaitable<void> WsSession<Stream>::mark_online(nlohmann::json& results) {
  auto self = this->shared_from_this();
  std::vector<std::string> users;
  std::unordered_map<std::string, std::size_t> index;
  for (auto& [cid, result] : results.items()) {
    if (!result.contains("state")) continue;
    for (const auto& m : result["state"]["members"]) {
      const std::string user = m.value("user_id", "");
      if (!user.empty() && index.emplace(user, users.size()).second) users.push_back(user);
    }
  }
  realtime::Presence* presence = &deps_.presence;
  auto start = [presence, app = identity_.app->id, users](std::function<void(std::vector<bool>)> done) {
    presence->online(app, users, std::move(done));
  };
  const std::vector<bool> online = co_await await_callback<std::vector<bool>>(std::move(start));
  for (auto& [cid, result] : results.items()) {
    if (!result.contains("state")) continue;
    for (auto& m : result["state"]["members"]) {
      const auto at = index.find(m.value("user_id", ""));
      m["online"] = at != index.end() && at->second < online.size() && online[at->second];
    }
  }
}

// Adds this connection to the user's presence (announcing them online if they were not). Over the
// per-user connection limit: connection.error (429 rate_limited) and close 4029. An unreachable presence
// store lets the connection in (fail open).
template <class Stream>
asio::awaitable<bool> WsSession<Stream>::enter_presence() {
  auto self = this->shared_from_this();
  realtime::Presence* presence = &deps_.presence;
  auto start = [presence, app = identity_.app->id, user = identity_.user_id,
                conn = connection_id_](std::function<void(realtime::PresenceResult)> done) {
    presence->connect(app, user, conn, false, std::move(done));
  };
  const auto entered = co_await await_callback<realtime::PresenceResult>(std::move(start));
  if (entered.accepted) {
    in_presence_ = true;
    co_return true;
  }
  const auto max = deps_.config.ws_max_connections_per_user;
  const ApiError error{"rate_limited", 429,
                       "this user already has " + std::to_string(max) + " open connections; close one first",
                       {{"limit", "connections_per_user"}, {"max", max}}};
  send_json({{"type", "connection.error"}, {"error", error.to_json()["error"]}});
  close(CloseCode::too_many, true);
  co_return false;
}

// {"op":"presence.set","invisible":bool}: an invisible user appears offline to everyone.
template <class Stream>
asio::awaitable<void> WsSession<Stream>::op_presence_set(nlohmann::json id, nlohmann::json request) {
  auto self = this->shared_from_this();
  const auto invisible = request.find("invisible");
  if (invisible == request.end() || !invisible->is_boolean()) {
    reply_error(id, ApiError::invalid_request("presence.set needs \"invisible\": true or false"));
    co_return;
  }
  if (!in_presence_) {
    reply_error(id, ApiError::invalid_request("presence belongs to users; use a user token"));
    co_return;
  }
  realtime::Presence* presence = &deps_.presence;
  auto start = [presence, app = identity_.app->id, user = identity_.user_id, conn = connection_id_,
                value = invisible->get<bool>()](std::function<void(realtime::PresenceResult)> done) {
    presence->set_invisible(app, user, conn, value, std::move(done));
  };
  const auto result = co_await await_callback<realtime::PresenceResult>(std::move(start));
  if (!result.available) {
    reply_error(id, ApiError::unavailable("presence is unavailable; retry"));
    co_return;
  }
  reply_ok(id, {{"invisible", invisible->get<bool>()}});
}

#define PARLEY_WS_PRESENCE_MEMBERS(S)                                                              \
  template void WsSession<S>::follow_presence(const std::string&, const nlohmann::json&);          \
  template void WsSession<S>::unfollow_presence(const std::string&);                                \
  template asio::awaitable<void> WsSession<S>::mark_online(nlohmann::json&);                        \
  template asio::awaitable<bool> WsSession<S>::enter_presence();                                    \
  template asio::awaitable<void> WsSession<S>::op_presence_set(nlohmann::json, nlohmann::json);
PARLEY_WS_PRESENCE_MEMBERS(WriteCoalescer<net::PlainSocket>)
PARLEY_WS_PRESENCE_MEMBERS(WriteCoalescer<net::TlsStream>)

}  // namespace parley::ws
