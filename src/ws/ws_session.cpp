#include "parley/ws/ws_session.hpp"

#include "parley/http/request_context.hpp"
#include "parley/obs/log.hpp"
#include "parley/protocol/timestamp.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <random>

namespace parley::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using protocol::ApiError;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
}

template <class Stream>
WsSession<Stream>::WsSession(websocket::stream<Stream> ws, WsDeps& deps, auth::Identity identity,
                             std::string connection_id)
    : ws_(std::move(ws)),
      deps_(deps),
      identity_(std::move(identity)),
      connection_id_(std::move(connection_id)),
      wake_(ws_.get_executor()) {
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
  if (queue_.size() + 1 > cfg.ws_send_queue_frames || queued_bytes_ + frame->size() > cfg.ws_send_queue_bytes) {
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
    queue_.clear();
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
asio::awaitable<void> WsSession<Stream>::run() {
  auto self = this->shared_from_this();
  net::ConnectionRegistration registration(
      deps_.connections, deps_.connections.add(ws_.get_executor(), [weak = std::weak_ptr(self)] {
        if (auto s = weak.lock()) s->drain();
      }));
  nlohmann::json user = {{"id", identity_.user_id}};
  if (identity_.server) user = {{"id", nullptr}, {"server", true}};
  send_json({{"type", "connection.ok"},
             {"connection_id", connection_id_},
             {"user", user},
             {"heartbeat_s", deps_.config.ws_heartbeat_s},
             {"server_time", protocol::now_timestamp()}});
  asio::co_spawn(ws_.get_executor(), [self]() { return self->write_loop(); }, asio::detached);
  co_await read_loop();
  stopped_ = true;
  wake_.cancel();
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
    if (!queue_.empty()) {
      Frame frame = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= frame->size();
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
  reply_error(id, ApiError::invalid_request("unknown op: " + name.substr(0, 64), {{"op", name.substr(0, 64)}}));
}

template class WsSession<net::PlainStream>;
template class WsSession<net::TlsStream>;

}  // namespace parley::ws
