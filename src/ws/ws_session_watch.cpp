// WsSession, channel watches: watch (hold, replay, dedupe by seq), unwatch, live events, and the ops that
// act on a channel: send, read.
#include "parley/ws/ws_session.hpp"
#include "parley/ws/write_coalescer.hpp"

#include "ws_session_support.hpp"

#include "parley/chat/channel_event.hpp"
#include "parley/chat/channel_store.hpp"
#include "parley/chat/event_log.hpp"
#include "parley/chat/read_state.hpp"
#include "parley/protocol/timestamp.hpp"

#include <boost/beast/websocket.hpp>

namespace parley::ws {

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
    auto read = [who, wanted](chat::Connection& c) {
      std::vector<chat::Outcome> out;
      for (const auto& [cid, after] : wanted) out.push_back(chat::watch_channel(c, who, cid, after));
      return out;
    };
    outcomes = co_await deps_.services.db().run(std::move(read));
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
    auto mark = [who, type, channel_id, body](chat::Connection& c) {
      return chat::mark_read(c, who, type, channel_id, body);
    };
    outcome = co_await deps_.services.run(std::move(mark));
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

#define PARLEY_WS_WATCH_MEMBERS(S)                                                                       \
  template void WsSession<S>::on_channel_event(const std::string&, std::int64_t, const realtime::Frame&);   \
  template void WsSession<S>::unwatch_all();                                                               \
  template asio::awaitable<void> WsSession<S>::op_watch(nlohmann::json, nlohmann::json);                   \
  template void WsSession<S>::op_unwatch(const nlohmann::json&, const nlohmann::json&);                    \
  template asio::awaitable<void> WsSession<S>::op_send(nlohmann::json, nlohmann::json);                    \
  template asio::awaitable<void> WsSession<S>::op_read(nlohmann::json, nlohmann::json);                    \
  template void WsSession<S>::publish_ephemeral(const std::string&, nlohmann::json);
PARLEY_WS_WATCH_MEMBERS(WriteCoalescer<net::PlainSocket>)
PARLEY_WS_WATCH_MEMBERS(WriteCoalescer<net::TlsStream>)

}  // namespace parley::ws
