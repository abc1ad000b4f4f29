// WsSession, typing and delivery receipts: typing.start/stop (throttled across nodes, stopped by the
// server after 7 s), delivered.
#include "parley/ws/ws_session.hpp"
#include "parley/ws/write_coalescer.hpp"

#include "ws_session_support.hpp"

#include "parley/protocol/timestamp.hpp"

#include <boost/beast/websocket.hpp>

namespace parley::ws {

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

#define PARLEY_WS_TYPING_MEMBERS(S)                                                                     \
  template void WsSession<S>::stop_typing(Watch&);                                                      \
  template auto WsSession<S>::user_watch(const nlohmann::json&, const nlohmann::json&, const char*)     \
      -> typename std::unordered_map<std::string, Watch>::iterator;                                     \
  template asio::awaitable<void> WsSession<S>::op_typing(nlohmann::json, nlohmann::json, bool);          \
  template void WsSession<S>::op_delivered(const nlohmann::json&, const nlohmann::json&);
PARLEY_WS_TYPING_MEMBERS(WriteCoalescer<net::PlainSocket>)
PARLEY_WS_TYPING_MEMBERS(WriteCoalescer<net::TlsStream>)

}  // namespace parley::ws
