// WsSession, the transport: connection.ok, the read loop and the op table, the bounded send queue and the
// write loop with heartbeats, close codes, drain, control events (revocation), refresh and token expiry.
// Channel watches, presence and typing live in ws_session_{watch,presence,typing}.cpp.
#include "parley/ws/ws_session.hpp"
#include "parley/ws/write_coalescer.hpp"

#include "ws_session_support.hpp"

#include "parley/chat/channel_event.hpp"
#include "parley/chat/read_state.hpp"
#include "parley/protocol/request_parsing.hpp"
#include "parley/protocol/timestamp.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <random>

namespace parley::ws {

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
  // Counted among open connections (max_connections) once the HTTP connection's own coroutine has ended.
  deps_.metrics.http_connections_open.fetch_add(1);
}

template <class Stream>
WsSession<Stream>::~WsSession() {
  deps_.metrics.ws_connections_open.fetch_sub(1);
  deps_.metrics.http_connections_open.fetch_sub(1);
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
void WsSession<Stream>::start(nlohmann::json me_body) {
  auto self = this->shared_from_this();
  // Registered before the caller's HTTP registration ends, so a drain never misses this connection.
  registration_.emplace(deps_.connections, deps_.connections.add(ws_.get_executor(), [weak = std::weak_ptr(self)] {
    if (auto s = weak.lock()) s->drain();
  }));
  asio::co_spawn(
      ws_.get_executor(), [self, me = std::move(me_body)]() mutable { return self->run(std::move(me)); },
      [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          obs::error("websocket session failed", {{"error", ex.what()}});
        }
      });
}

template <class Stream>
asio::awaitable<void> WsSession<Stream>::run(nlohmann::json me_body) {
  auto self = this->shared_from_this();
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
  // This frame lives as long as the connection: keep none of what connection.ok was built from.
  me_body = nullptr;
  user = nullptr;
  me = nullptr;
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
  registration_.reset();
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
    // Idle connections keep at most a small buffer, not the largest frame they ever sent.
    if (buffer.capacity() > kKeepReadCapacity) buffer.shrink_to_fit();
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
  auto parsed = protocol::parse_json_limited(text, deps_.config.json_max_depth);
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

template class WsSession<WriteCoalescer<net::PlainSocket>>;
template class WsSession<WriteCoalescer<net::TlsStream>>;

}  // namespace parley::ws
