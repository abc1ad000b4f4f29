#include "parley/ws/ws_session.hpp"
#include "parley/ws/write_coalescer.hpp"

#include "parley/chat/channel_event.hpp"
#include "parley/chat/channel_store.hpp"
#include "parley/chat/event_log.hpp"
#include "parley/chat/read_state.hpp"
#include "parley/http/request_context.hpp"
#include "parley/obs/log.hpp"
#include "parley/protocol/timestamp.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <pqxx/except>

#include <random>

namespace parley::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using protocol::ApiError;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxWatchPerOp = 100;    // channels in one watch request
constexpr std::size_t kMaxWatches = 1000;      // channels watched by one connection
constexpr std::size_t kMaxHeld = 1024;         // live events held back while a watch reads PostgreSQL
constexpr auto kTypingTimeout = std::chrono::seconds(7);     // typing.stop sent by the server without a refresh

// Awaits a callback-style operation: `start(done)` calls done(T) exactly once, on any thread; the
// coroutine resumes on its own executor.
template <class T, class Start>
asio::awaitable<T> await_callback(Start start) {
  auto initiate = [start = std::move(start)](auto handler) mutable {
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    start([h](T value) {
      auto ex = asio::get_associated_executor(*h);
      asio::post(ex, [h, value = std::move(value)]() mutable { std::move(*h)(std::move(value)); });
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(T)>(std::move(initiate),
                                                                                  asio::use_awaitable);
}

// The answer to a DbPool call that failed: 503 when the database is unavailable, 500 otherwise.
ApiError db_failure(const std::exception& e) {
  if (dynamic_cast<const storage::DbUnavailable*>(&e) != nullptr || dynamic_cast<const pqxx::broken_connection*>(&e)) {
    return ApiError::unavailable("database unavailable; retry");
  }
  obs::error("websocket operation failed", {{"error", e.what()}});
  return ApiError{"internal", 500, "internal error"};
}
}  // namespace

template <class Stream>
WsSession<Stream>::WsSession(websocket::stream<Stream> ws, WsDeps& deps, auth::Identity identity,
                             std::string connection_id)
    : ws_(std::move(ws)),
      deps_(deps),
      identity_(std::move(identity)),
      connection_id_(std::move(connection_id)),
      wake_(ws_.get_executor()),
      expiry_(ws_.get_executor()) {
  own_user_marker_ = "\"user\":{\"id\":\"" + identity_.user_id + "\"}";
  shard_ = deps_.hub.shard_of(
      static_cast<asio::io_context&>(asio::query(ws_.get_executor(), asio::execution::context)));
  deps_.metrics.ws_connections_open.fetch_add(1);
}

template <class Stream>
WsSession<Stream>::~WsSession() {
  deps_.metrics.ws_connections_open.fetch_sub(1);
}

template <class Stream>
void WsSession<Stream>::send_json(const nlohmann::json& j) {
  send(std::make_shared<const std::string>(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

template <class Stream>
void WsSession<Stream>::send(Frame frame) {
  if (stopped_ || close_code_) return;
  const auto& cfg = deps_.config;
  if (queue_.size() - queue_head_ + 1 > cfg.ws_send_queue_frames + requested_frames_ ||
      queued_bytes_ + frame->size() > cfg.ws_send_queue_bytes + requested_bytes_) {
    obs::info("closing slow consumer", {{"connection_id", connection_id_}, {"queued_bytes", queued_bytes_}});
    close(CloseCode::slow_consumer, false);
    return;
  }
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  wake_.cancel();
}

template <class Stream>
void WsSession<Stream>::close(CloseCode code, bool flush) {
  if (close_code_) return;
  close_code_ = code;
  close_flush_ = flush;
  if (!flush) {
    std::vector<Frame>().swap(queue_);
    queue_head_ = 0;
    queued_bytes_ = 0;
  }
  wake_.cancel();
}

template <class Stream>
void WsSession<Stream>::drain() {
  thread_local std::mt19937 rng{std::random_device{}()};
  const auto max_ms = static_cast<int>(deps_.config.drain_reconnect_jitter.count());
  std::uniform_int_distribution<int> jitter(0, std::max(0, max_ms));
  send_json({{"type", "connection.draining"},
             {"reconnect_in_ms", jitter(rng)},
             {"created_at", protocol::now_timestamp()}});
  close(CloseCode::going_away, true);
}

template <class Stream>
asio::awaitable<void> WsSession<Stream>::run(nlohmann::json me_body) {
  auto self = this->shared_from_this();
  net::ConnectionRegistration registration(
      deps_.connections, deps_.connections.add(ws_.get_executor(), [weak = std::weak_ptr(self)] {
        if (auto s = weak.lock()) s->drain();
      }));
  nlohmann::json user = {{"id", identity_.user_id}};
  if (identity_.server) user = {{"id", nullptr}, {"server", true}};
  nlohmann::json me = nullptr;
  // Over the per-user limit, enter_presence() has sent connection.error and closes with 4029.
  if (!identity_.server) co_await enter_presence();
  if (!identity_.server) {
    // Loaded with the user's auth state, in the same database call (WsGateway).
    me = {{"total_unread_count", me_body.value("total_unread_count", 0)},
          {"unread_channels", me_body.value("unread_channels", 0)}};
    if (me_body.contains("user")) user = std::move(me_body["user"]);
  }
  if (!identity_.server) {
    // Revocation, deactivation and deletion reach this connection on whichever node they happen.
    user_key_ = realtime::channel_key(identity_.app->id, chat::user_control_cid(identity_.user_id));
    app_key_ = realtime::channel_key(identity_.app->id, chat::kAppControlCid);
    deps_.hub.watch(shard_, this, user_key_);
    deps_.hub.watch(shard_, this, app_key_);
  }
  if (!close_code_) {
    send_json({{"type", "connection.ok"},
               {"connection_id", connection_id_},
               {"user", user},
               {"me", me},
               {"heartbeat_s", deps_.config.ws_heartbeat_s},
               {"server_time", protocol::now_timestamp()}});
  }
  asio::co_spawn(ws_.get_executor(), [self]() { return self->write_loop(); }, asio::detached);
  if (identity_.exp) asio::co_spawn(ws_.get_executor(), [self]() { return self->expiry_loop(); }, asio::detached);
  co_await read_loop();
  stopped_ = true;
  unwatch_all();
  if (in_presence_) deps_.presence.disconnect(identity_.app->id, identity_.user_id, connection_id_);
  if (!user_key_.empty()) {
    deps_.hub.unwatch(shard_, this, user_key_);
    deps_.hub.unwatch(shard_, this, app_key_);
  }
  wake_.cancel();
  expiry_.cancel();
}

template <class Stream>
asio::awaitable<void> WsSession<Stream>::read_loop() {
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await ws_.async_read(buffer, kTuple);
    if (ec) {
      if (ec == websocket::error::message_too_big) {
        obs::info("websocket frame too big", {{"connection_id", connection_id_}});
      }
      co_return;
    }
    deps_.metrics.ws_frames_in.fetch_add(1, std::memory_order_relaxed);
    if (!ws_.got_text()) {
      reply_error(nullptr, ApiError::invalid_request("binary frames are not supported; send JSON text"));
    } else {
      const auto data = buffer.cdata();
      handle_text(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    buffer.consume(buffer.size());
  }
}

template <class Stream>
asio::awaitable<void> WsSession<Stream>::write_loop() {
  auto self = this->shared_from_this();
  const auto heartbeat = std::chrono::seconds(deps_.config.ws_heartbeat_s);
  auto next_heartbeat = std::chrono::steady_clock::now() + heartbeat;
  ws_.text(true);
  while (!stopped_) {
    if (queue_head_ < queue_.size()) {
      Frame frame = std::move(queue_[queue_head_++]);
      if (queue_head_ == queue_.size()) {
        std::vector<Frame>().swap(queue_);  // drained: release it
        queue_head_ = 0;
      } else if (queue_head_ >= 64 && queue_head_ * 2 >= queue_.size()) {
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(queue_head_));  // amortized O(1)
        queue_head_ = 0;
      }
      queued_bytes_ -= frame->size();
      if (queue_.empty()) requested_bytes_ = requested_frames_ = 0;
      auto [ec, n] = co_await ws_.async_write(asio::buffer(*frame), kTuple);
      if (ec) break;
      deps_.metrics.ws_frames_out.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (close_code_) {
      const websocket::close_reason reason(static_cast<std::uint16_t>(*close_code_));
      co_await ws_.async_close(reason, kTuple);
      break;
    }
    wake_.expires_at(next_heartbeat);
    co_await wake_.async_wait(kTuple);
    if (!stopped_ && std::chrono::steady_clock::now() >= next_heartbeat) {
      next_heartbeat += heartbeat;
      send_json({{"type", "health.check"}, {"connection_id", connection_id_}, {"created_at", protocol::now_timestamp()}});
    }
  }
  stopped_ = true;
}

template <class Stream>
void WsSession<Stream>::reply_ok(const nlohmann::json& id, nlohmann::json result) {
  send_json({{"type", "ack"}, {"id", id}, {"ok", true}, {"result", std::move(result)}});
}

template <class Stream>
void WsSession<Stream>::reply_error(const nlohmann::json& id, const ApiError& error) {
  send_json({{"type", "ack"}, {"id", id}, {"ok", false}, {"error", error.to_json()["error"]}});
}

template <class Stream>
void WsSession<Stream>::reply(const nlohmann::json& id, chat::Outcome& outcome) {
  if (auto* err = std::get_if<ApiError>(&outcome)) {
    reply_error(id, *err);
  } else {
    reply_ok(id, std::move(std::get<chat::Reply>(outcome).body));
  }
}

template <class Stream>
void WsSession<Stream>::handle_text(std::string_view text) {
  auto parsed = http::parse_json_limited(text, deps_.config.json_max_depth);
  if (auto* err = std::get_if<ApiError>(&parsed)) {
    reply_error(nullptr, *err);
    return;
  }
  const auto& frame = std::get<nlohmann::json>(parsed);
  if (!frame.is_object()) {
    reply_error(nullptr, ApiError::invalid_json("a request must be a JSON object"));
    return;
  }
  nlohmann::json id = nullptr;
  if (auto it = frame.find("id"); it != frame.end() && (it->is_string() || it->is_number_integer())) id = *it;
  if (id.is_null()) {
    reply_error(nullptr, ApiError::invalid_request("a request needs an \"id\" (string or integer)"));
    return;
  }
  auto op = frame.find("op");
  if (op == frame.end() || !op->is_string()) {
    reply_error(id, ApiError::invalid_request("a request needs an \"op\""));
    return;
  }
  const auto& name = op->get_ref<const std::string&>();
  if (name == "ping") {
    reply_ok(id, {{"server_time", protocol::now_timestamp()}});
    return;
  }
  auto self = this->shared_from_this();
  if (name == "watch") {
    asio::co_spawn(ws_.get_executor(), [self, id, frame]() { return self->op_watch(id, frame); }, asio::detached);
    return;
  }
  if (name == "unwatch") {
    op_unwatch(id, frame);
    return;
  }
  if (name == "send") {
    asio::co_spawn(ws_.get_executor(), [self, id, frame]() { return self->op_send(id, frame); }, asio::detached);
    return;
  }
  if (name == "typing.start" || name == "typing.stop") {
    const bool start = name == "typing.start";
    asio::co_spawn(ws_.get_executor(), [self, id, frame, start]() { return self->op_typing(id, frame, start); },
                   asio::detached);
    return;
  }
  if (name == "delivered") {
    op_delivered(id, frame);
    return;
  }
  if (name == "refresh") {
    asio::co_spawn(ws_.get_executor(), [self, id, frame]() { return self->op_refresh(id, frame); }, asio::detached);
    return;
  }
  if (name == "presence.set") {
    asio::co_spawn(ws_.get_executor(), [self, id, frame]() { return self->op_presence_set(id, frame); },
                   asio::detached);
    return;
  }
  if (name == "read") {
    asio::co_spawn(ws_.get_executor(), [self, id, frame]() { return self->op_read(id, frame); }, asio::detached);
    return;
  }
  reply_error(id, ApiError::invalid_request("unknown op: " + name.substr(0, 64), {{"op", name.substr(0, 64)}}));
}

template <class Stream>
chat::Caller WsSession<Stream>::caller() const {
  return {identity_.app->id, identity_.server, identity_.user_id, identity_.role};
}

template <class Stream>
void WsSession<Stream>::on_channel_event(const std::string& key, std::int64_t seq, const realtime::Frame& frame) {
  if (key == user_key_ || key == app_key_) {
    on_control_event(frame);
    return;
  }
  if (presence_refs_.count(key) != 0) {  // user.presence.changed of a member of a watched channel
    send(frame);
    return;
  }
  auto it = watches_.find(key);
  if (it == watches_.end()) return;
  Watch& w = it->second;
  if (!w.ready) {
    if (w.held.size() >= kMaxHeld) {
      close(CloseCode::slow_consumer, false);
      return;
    }
    w.held.emplace_back(seq, frame);
    return;
  }
  if (seq > 0) {
    if (seq <= w.last) return;  // already sent (replay) or a duplicate
    w.last = seq;
  } else if (!identity_.server && frame->find("\"type\":\"typing.") != std::string::npos &&
             frame->find(own_user_marker_) != std::string::npos) {
    return;  // typing is relayed to the others, not echoed to the typist
  }
  send(frame);
  // Removed from a channel it may not read as a non-member: member.removed is the last event it gets.
  if (seq > 0 && w.read_needs_membership && !identity_.server &&
      frame->find("\"type\":\"member.removed\"") != std::string::npos) {
    auto event = nlohmann::json::parse(*frame, nullptr, false);
    if (!event.is_discarded() && event.value("type", "") == "member.removed" && event["member"].is_object() &&
        event["member"].value("user_id", "") == identity_.user_id) {
      stop_typing(w);
      deps_.hub.unwatch(shard_, this, key);
      unfollow_presence(key);
      watches_.erase(it);
    }
  }
}

// On the user's or the app's control key: notification.* (passed on unless the channel is watched here)
// or {"type":"access.revoked","before_s": N or null} (close 4001 if this token is no longer valid).
template <class Stream>
void WsSession<Stream>::on_control_event(const realtime::Frame& frame) {
  const auto event = nlohmann::json::parse(*frame, nullptr, false);
  if (event.is_discarded()) return;
  const std::string type = event.value("type", "");
  if (type.rfind("notification.", 0) == 0) {
    // For members who do not watch the channel (watchers have the channel's own event).
    const std::string cid = event.value("cid", "");
    if (watches_.count(realtime::channel_key(identity_.app->id, cid)) == 0) send(frame);
    return;
  }
  if (type != "access.revoked") return;
  const auto& before = event["before_s"];
  const bool revoked = !before.is_number_integer() || !identity_.iat || *identity_.iat < before.get<std::int64_t>();
  if (!revoked) return;
  const ApiError error = before.is_number_integer()
                             ? ApiError{"token_revoked", 401, "token was revoked"}
                             : ApiError::unauthenticated("user is deactivated or deleted");
  send_json({{"type", "connection.error"}, {"error", error.to_json()["error"]}});
  close(CloseCode::unauthenticated, true);
}

template <class Stream>
void WsSession<Stream>::unwatch_all() {
  for (auto& [key, w] : watches_) {
    stop_typing(w);
    deps_.hub.unwatch(shard_, this, key);
  }
  watches_.clear();
  for (const auto& [key, refs] : presence_refs_) deps_.hub.unwatch(shard_, this, key);
  presence_refs_.clear();
  presence_of_watch_.clear();
}

// {"op":"watch","channels":{cid: after_seq or null}}: subscribe first, then read PostgreSQL, then go live.
template <class Stream>
asio::awaitable<void> WsSession<Stream>::op_watch(nlohmann::json id, nlohmann::json request) {
  auto self = this->shared_from_this();
  const auto it = request.find("channels");
  if (it == request.end() || !it->is_object() || it->empty() || it->size() > kMaxWatchPerOp) {
    reply_error(id, ApiError::invalid_request("channels must be an object {cid: after_seq or null} with 1 to " +
                                                  std::to_string(kMaxWatchPerOp) + " channels",
                                              {{"limit", "channels"}, {"max", kMaxWatchPerOp}}));
    co_return;
  }
  const auto presence_flag = request.find("presence");
  if (presence_flag != request.end() && !presence_flag->is_boolean()) {
    reply_error(id, ApiError::invalid_request("presence must be a boolean"));
    co_return;
  }
  const bool with_presence = presence_flag != request.end() && presence_flag->get<bool>() && !identity_.server;
  std::vector<std::pair<std::string, std::optional<std::int64_t>>> wanted;
  std::size_t new_channels = 0;
  for (const auto& item : it->items()) {
    const std::string& cid = item.key();
    const nlohmann::json& after = item.value();
    if (!after.is_null() && (!after.is_number_integer() || after.get<std::int64_t>() < 0)) {
      reply_error(id, ApiError::invalid_request("the after_seq of " + cid.substr(0, 140) +
                                                " must be null or a non-negative integer"));
      co_return;
    }
    if (cid.size() > 140) {
      reply_error(id, ApiError::invalid_request("invalid cid"));
      co_return;
    }
    if (watches_.count(realtime::channel_key(identity_.app->id, cid)) == 0) ++new_channels;
    wanted.emplace_back(cid, after.is_null() ? std::nullopt : std::optional<std::int64_t>(after.get<std::int64_t>()));
  }
  if (watches_.size() + new_channels > kMaxWatches) {
    reply_error(id, ApiError::invalid_request("a connection watches at most " + std::to_string(kMaxWatches) + " channels",
                                              {{"limit", "watches"}, {"max", kMaxWatches}}));
    co_return;
  }
  // Subscribe first: from here on every live event of these channels reaches us (held back for now).
  for (const auto& [cid, after] : wanted) {
    const std::string key = realtime::channel_key(identity_.app->id, cid);
    auto [w, inserted] = watches_.try_emplace(key);
    w->second.cid = cid;
    w->second.ready = false;
    w->second.held.clear();
    if (inserted) deps_.hub.watch(shard_, this, key);
  }
  std::vector<chat::Outcome> outcomes;
  try {
    const chat::Caller who = caller();
    auto read = [who, wanted](pqxx::connection& c) {
      std::vector<chat::Outcome> out;
      for (const auto& [cid, after] : wanted) out.push_back(chat::watch_channel(c, who, cid, after));
      return out;
    };
    outcomes = co_await deps_.db.run(std::move(read));
  } catch (const std::exception& e) {
    const ApiError error = db_failure(e);
    for (const auto& [cid, after] : wanted) {
      const std::string key = realtime::channel_key(identity_.app->id, cid);
      if (auto w = watches_.find(key); w != watches_.end() && !w->second.ready) {
        deps_.hub.unwatch(shard_, this, key);
        watches_.erase(w);
      }
    }
    reply_error(id, error);
    co_return;
  }
  nlohmann::json results = nlohmann::json::object();
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const auto& cid = wanted[i].first;
    const std::string key = realtime::channel_key(identity_.app->id, cid);
    auto w = watches_.find(key);
    if (w == watches_.end()) continue;  // unwatched (or the connection ended) meanwhile
    if (auto* err = std::get_if<ApiError>(&outcomes[i])) {
      deps_.hub.unwatch(shard_, this, key);
      watches_.erase(w);
      results[cid] = err->to_json();
      continue;
    }
    auto& body = std::get<chat::Reply>(outcomes[i]).body;
    std::int64_t last_seq = body["last_seq"].get<std::int64_t>();
    for (const auto& event : body["events"]) {  // the missed events first (beyond the bound: asked for)
      last_seq = std::max(last_seq, event.value("seq", std::int64_t{0}));
      auto frame = std::make_shared<const std::string>(event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      requested_bytes_ += frame->size();
      ++requested_frames_;
      send(std::move(frame));
    }
    deps_.hub.set_baseline(key, last_seq);
    Watch& watch = w->second;
    watch.last = last_seq;
    watch.ready = true;
    watch.typing_events = body["switches"].value("typing_events", true);
    watch.delivery_events = body["switches"].value("delivery_events", true);
    watch.read_needs_membership = body.value("read_needs_membership", true);
    auto held = std::move(watch.held);
    watch.held.clear();
    for (auto& [seq, frame] : held) on_channel_event(key, seq, frame);  // then live, without duplicates
    if (with_presence) follow_presence(key, body["state"]["members"]);
    results[cid] = {{"recovered", body["recovered"]}, {"last_seq", last_seq}, {"state", std::move(body["state"])}};
  }
  if (with_presence) co_await mark_online(results);
  // The ack carries each channel's state (up to 25 messages each): beyond the bound too.
  const nlohmann::json ack = {{"type", "ack"}, {"id", id}, {"ok", true}, {"result", {{"channels", std::move(results)}}}};
  auto frame = std::make_shared<const std::string>(ack.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  requested_bytes_ += frame->size();
  ++requested_frames_;
  send(std::move(frame));
}

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

template <class Stream>
void WsSession<Stream>::op_unwatch(const nlohmann::json& id, const nlohmann::json& request) {
  const auto it = request.find("cids");
  if (it == request.end() || !it->is_array() || it->size() > kMaxWatches) {
    reply_error(id, ApiError::invalid_request("cids must be an array of cids"));
    return;
  }
  for (const auto& cid : *it) {
    if (!cid.is_string()) continue;
    const std::string key = realtime::channel_key(identity_.app->id, cid.get<std::string>());
    if (auto w = watches_.find(key); w != watches_.end()) {
      stop_typing(w->second);
      deps_.hub.unwatch(shard_, this, key);
      unfollow_presence(key);
      watches_.erase(w);
    }
  }
  reply_ok(id, nlohmann::json::object());
}

namespace {
// "type:id" -> (type, id); false when there is no colon.
bool split_cid(const nlohmann::json& cid, std::string& type, std::string& id) {
  if (!cid.is_string()) return false;
  const auto& s = cid.get_ref<const std::string&>();
  const auto colon = s.find(':');
  if (colon == std::string::npos) return false;
  type = s.substr(0, colon);
  id = s.substr(colon + 1);
  return true;
}
}  // namespace

// {"op":"send","cid","message":{...}}: as POST .../messages (group commit, idempotent by id).
template <class Stream>
asio::awaitable<void> WsSession<Stream>::op_send(nlohmann::json id, nlohmann::json request) {
  auto self = this->shared_from_this();
  std::string type, channel_id;
  if (!split_cid(request.value("cid", nlohmann::json()), type, channel_id)) {
    reply_error(id, ApiError::invalid_request("cid must be \"type:id\""));
    co_return;
  }
  const auto message = request.find("message");
  if (message == request.end() || !message->is_object()) {
    reply_error(id, ApiError::invalid_request("message must be an object"));
    co_return;
  }
  chat::Caller who = caller();
  auto draft = chat::prepare_send(who, type, channel_id, *message);
  if (auto* err = std::get_if<ApiError>(&draft)) {
    reply_error(id, *err);
    co_return;
  }
  chat::Outcome outcome;
  try {
    chat::MessageDraft d = std::move(std::get<chat::MessageDraft>(draft));
    outcome = co_await deps_.sends.send(std::move(who), std::move(type), std::move(channel_id), std::move(d));
  } catch (const std::exception& e) {
    reply_error(id, db_failure(e));
    co_return;
  }
  reply(id, outcome);
}

// {"op":"read","cid","seq"?}: as POST .../read; watchers get message.read.
template <class Stream>
asio::awaitable<void> WsSession<Stream>::op_read(nlohmann::json id, nlohmann::json request) {
  auto self = this->shared_from_this();
  std::string type, channel_id;
  if (!split_cid(request.value("cid", nlohmann::json()), type, channel_id)) {
    reply_error(id, ApiError::invalid_request("cid must be \"type:id\""));
    co_return;
  }
  nlohmann::json body = nlohmann::json::object();
  if (request.contains("seq")) body["seq"] = request["seq"];
  chat::Outcome outcome;
  try {
    const chat::Caller who = caller();
    chat::EventPublisher* events = &deps_.hub;
    auto mark = [who, type, channel_id, body, events](pqxx::connection& c) {
      chat::EventCapture capture(who.app_id);
      auto out = chat::mark_read(c, who, type, channel_id, body);
      if (std::holds_alternative<chat::Reply>(out)) events->publish(capture.take());
      return out;
    };
    outcome = co_await deps_.db.run(std::move(mark));
  } catch (const std::exception& e) {
    reply_error(id, db_failure(e));
    co_return;
  }
  reply(id, outcome);
}

template <class Stream>
void WsSession<Stream>::publish_ephemeral(const std::string& cid, nlohmann::json event) {
  event["cid"] = cid;
  event["user"] = {{"id", identity_.user_id}};
  event["created_at"] = protocol::now_timestamp();
  deps_.hub.publish({{identity_.app->id, cid, 0, std::make_shared<const std::string>(event.dump())}});
}

template <class Stream>
void WsSession<Stream>::stop_typing(Watch& watch) {
  if (!watch.typing) return;
  watch.typing = false;
  if (watch.typing_timer) watch.typing_timer->cancel();
  nlohmann::json event = {{"type", "typing.stop"}};
  if (!watch.typing_parent.empty()) event["parent_id"] = watch.typing_parent;
  publish_ephemeral(watch.cid, std::move(event));
}

// The watch of request["cid"] for a user op (typing, delivered); answers the error and returns end() when
// the cid is missing, the caller is a server token, or the channel is not watched (yet).
template <class Stream>
auto WsSession<Stream>::user_watch(const nlohmann::json& id, const nlohmann::json& request, const char* what) ->
    typename std::unordered_map<std::string, Watch>::iterator {
  const auto cid = request.find("cid");
  if (cid == request.end() || !cid->is_string()) {
    reply_error(id, ApiError::invalid_request("cid must be \"type:id\""));
    return watches_.end();
  }
  if (identity_.server) {
    reply_error(id, ApiError::invalid_request(std::string(what) + " belong to users; use a user token"));
    return watches_.end();
  }
  auto w = watches_.find(realtime::channel_key(identity_.app->id, cid->get<std::string>()));
  if (w == watches_.end() || !w->second.ready) {
    reply_error(id, ApiError::invalid_request("watch " + cid->get<std::string>().substr(0, 140) + " first"));
    return watches_.end();
  }
  return w;
}

// {"op":"typing.start"|"typing.stop","cid","parent_id"?}: relayed to the channel's other watchers.
template <class Stream>
asio::awaitable<void> WsSession<Stream>::op_typing(nlohmann::json id, nlohmann::json request, bool start) {
  auto self = this->shared_from_this();
  auto w = user_watch(id, request, "typing");
  if (w == watches_.end()) co_return;
  Watch& watch = w->second;
  if (!watch.typing_events) {
    reply_error(id, ApiError::invalid_request("typing events are off for this channel type", {{"switch", "typing_events"}}));
    co_return;
  }
  std::string parent;
  if (auto p = request.find("parent_id"); p != request.end() && !p->is_null()) {
    if (!p->is_string() || p->get_ref<const std::string&>().size() > 64) {
      reply_error(id, ApiError::invalid_request("parent_id must be a message id"));
      co_return;
    }
    parent = p->get<std::string>();
  }
  if (!start) {
    stop_typing(watch);
    reply_ok(id, nlohmann::json::object());
    co_return;
  }
  const auto now = std::chrono::steady_clock::now();
  // Refreshes within 2 s are not relayed (at most one start per 2 s), but they keep the typing alive.
  bool relay = !watch.typing || watch.typing_parent != parent || now - watch.typing_started >= realtime::kTypingInterval;
  const std::string key = w->first;
  if (relay) {  // and no other connection of this user, on any node, relayed one in the last 2 s
    realtime::Presence* presence = &deps_.presence;
    auto claim = [presence, app = identity_.app->id, cid = watch.cid, user = identity_.user_id,
                  parent](std::function<void(bool)> done) {
      presence->claim_typing(app, cid, user, parent, std::move(done));
    };
    relay = co_await await_callback<bool>(std::move(claim));
    w = watches_.find(key);  // the watch may have ended meanwhile
    if (w == watches_.end() || stopped_) {
      reply_error(id, ApiError::invalid_request("watch " + request.value("cid", std::string()).substr(0, 140) + " first"));
      co_return;
    }
  }
  Watch& live = w->second;
  if (relay) {
    nlohmann::json event = {{"type", "typing.start"}};
    if (!parent.empty()) event["parent_id"] = parent;
    publish_ephemeral(live.cid, std::move(event));
    live.typing_started = now;
  }
  live.typing = true;
  live.typing_parent = parent;
  if (!live.typing_timer) live.typing_timer = std::make_shared<asio::steady_timer>(ws_.get_executor());
  live.typing_timer->expires_after(kTypingTimeout);
  live.typing_timer->async_wait(
      [weak = this->weak_from_this(), key](const boost::system::error_code& ec) {
        if (ec) return;
        auto self = weak.lock();
        if (!self) return;
        if (auto it = self->watches_.find(key); it != self->watches_.end()) self->stop_typing(it->second);
      });
  reply_ok(id, {{"relayed", relay}});
}

// {"op":"delivered","cid","seq"}: message.delivered to the channel's watchers (types with delivery_events).
template <class Stream>
void WsSession<Stream>::op_delivered(const nlohmann::json& id, const nlohmann::json& request) {
  const auto seq = request.find("seq");
  if (seq == request.end() || !seq->is_number_integer() || seq->get<std::int64_t>() < 0) {
    reply_error(id, ApiError::invalid_request("delivered needs a non-negative integer \"seq\""));
    return;
  }
  auto w = user_watch(id, request, "delivery receipts");
  if (w == watches_.end()) return;
  if (!w->second.delivery_events) {
    reply_error(id, ApiError::invalid_request("delivery events are off for this channel type",
                                              {{"switch", "delivery_events"}}));
    return;
  }
  const std::int64_t delivered = std::min(seq->get<std::int64_t>(), w->second.last);
  publish_ephemeral(w->second.cid, {{"type", "message.delivered"}, {"last_delivered_seq", delivered}});
  reply_ok(id, {{"last_delivered_seq", delivered}});
}

// {"op":"refresh","token"}: a newer token of the same user (or server) before the old one expires.
template <class Stream>
asio::awaitable<void> WsSession<Stream>::op_refresh(nlohmann::json id, nlohmann::json request) {
  auto self = this->shared_from_this();
  const auto token = request.find("token");
  if (token == request.end() || !token->is_string()) {
    reply_error(id, ApiError::invalid_request("refresh needs a \"token\""));
    co_return;
  }
  const std::string api_key = identity_.app->api_key;
  const std::string jwt = token->get<std::string>();
  std::variant<auth::Identity, ApiError> verdict;
  try {
    verdict = co_await deps_.authenticator.authenticate(api_key, jwt);
  } catch (const std::exception& e) {
    reply_error(id, db_failure(e));
    co_return;
  }
  if (auto* err = std::get_if<ApiError>(&verdict)) {
    reply_error(id, *err);
    co_return;
  }
  auto& fresh = std::get<auth::Identity>(verdict);
  if (fresh.server != identity_.server || fresh.user_id != identity_.user_id) {
    reply_error(id, ApiError{"forbidden", 403, "the new token is for another user"});
    co_return;
  }
  const bool had_expiry = identity_.exp.has_value();
  identity_.exp = fresh.exp;
  identity_.iat = fresh.iat;
  identity_.role = fresh.role;
  expiry_.cancel();  // the loop re-reads exp
  if (!had_expiry && identity_.exp) {
    asio::co_spawn(ws_.get_executor(), [self]() { return self->expiry_loop(); }, asio::detached);
  }
  reply_ok(id, {{"exp", identity_.exp ? nlohmann::json(*identity_.exp) : nlohmann::json(nullptr)}});
}

// Closes with 4001 (token_expired) when the token's exp passes (with the 30 s clock skew) unless refreshed.
template <class Stream>
asio::awaitable<void> WsSession<Stream>::expiry_loop() {
  auto self = this->shared_from_this();
  constexpr std::int64_t kSkewS = 30;
  while (!stopped_ && !close_code_ && identity_.exp) {
    const auto deadline = std::chrono::system_clock::time_point(std::chrono::seconds(*identity_.exp + kSkewS));
    const auto now = std::chrono::system_clock::now();
    if (now >= deadline) {
      send_json({{"type", "connection.error"},
                 {"error", ApiError{"token_expired", 401, "token has expired; reconnect with a new token"}.to_json()["error"]}});
      close(CloseCode::unauthenticated, true);
      co_return;
    }
    expiry_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(deadline - now));
    co_await expiry_.async_wait(kTuple);  // cancelled by refresh (loop again) or by the end of the connection
  }
}

// Frames go out through WriteCoalescer: several queued frames per physical write.
template class WsSession<WriteCoalescer<net::PlainStream>>;
template class WsSession<WriteCoalescer<net::TlsStream>>;

}  // namespace parley::ws
