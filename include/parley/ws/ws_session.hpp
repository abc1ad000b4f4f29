#pragma once
// WsSession: one authenticated WebSocket client.
//
// Threading: lives on its connection's io_context (single-threaded), so no
// locks. Ownership: shared_ptr held by its read loop and its write loop; the
// connection registry holds a weak_ptr. Sending: every outgoing frame is a
// shared immutable buffer (a broadcast is serialized once), queued in a
// queue bounded in frames and bytes; exactly one write is in flight; over the
// bound the client is closed with 4008 (slow consumer) and the queue dropped.
#include "parley/auth/authenticator.hpp"
#include "parley/protocol/api_error.hpp"
#include "parley/ws/ws_gateway.hpp"
#include "parley/realtime/hub.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace parley::ws {

/// Close codes of API.md section 6.
enum class CloseCode : std::uint16_t {
  normal = 1000,
  going_away = 1001,
  policy = 1008,
  too_big = 1009,
  try_again_later = 1013,  // authentication could not be checked (database unavailable)
  unauthenticated = 4001,
  forbidden = 4003,
  slow_consumer = 4008,
  too_many = 4029,
};

template <class Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>>, public realtime::Watcher {
 public:
  using Frame = std::shared_ptr<const std::string>;

  WsSession(boost::beast::websocket::stream<Stream> ws, WsDeps& deps, auth::Identity identity,
            std::string connection_id);
  ~WsSession();

  /// Registers for drain at once, then serves on its own coroutine (see run()); the caller's coroutine
  /// (the HTTP connection, the upgrade) may end: an idle WebSocket keeps none of their frames or buffers.
  void start(nlohmann::json me_body);
  /// Queues a frame; closes with 4008 when the queue is over its bound.
  void send(Frame frame);
  /// Closes after the queued frames (flush) or at once.
  void close(CloseCode code, bool flush);
  /// connection.draining with a jittered reconnect_in_ms, then close 1001.
  void drain();
  /// From the Hub, on this connection's thread: an event of a watched channel.
  void on_channel_event(const std::string& key, std::int64_t seq, const realtime::Frame& frame) override;

 private:
  /// Sends connection.ok (with `me_body`, the user's GET /v1/me body; null for a server), then serves until
  /// the connection ends.
  boost::asio::awaitable<void> run(nlohmann::json me_body);
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  void handle_text(std::string_view text);
  void reply_ok(const nlohmann::json& id, nlohmann::json result);
  void reply_error(const nlohmann::json& id, const protocol::ApiError& error);
  /// The ack of an operation's Outcome.
  void reply(const nlohmann::json& id, chat::Outcome& outcome);
  void send_json(const nlohmann::json& j);
  chat::Caller caller() const;
  boost::asio::awaitable<void> op_watch(nlohmann::json id, nlohmann::json request);
  void op_unwatch(const nlohmann::json& id, const nlohmann::json& request);
  boost::asio::awaitable<void> op_send(nlohmann::json id, nlohmann::json request);
  boost::asio::awaitable<void> op_read(nlohmann::json id, nlohmann::json request);
  boost::asio::awaitable<void> op_typing(nlohmann::json id, nlohmann::json request, bool start);
  void op_delivered(const nlohmann::json& id, const nlohmann::json& request);
  boost::asio::awaitable<void> op_refresh(nlohmann::json id, nlohmann::json request);
  boost::asio::awaitable<void> op_presence_set(nlohmann::json id, nlohmann::json request);
  /// Registers this connection's presence entry; false (after connection.error + 4029) over the per-user limit.
  boost::asio::awaitable<bool> enter_presence();
  /// Subscribes to the presence keys of `watch`'s members (watch with "presence": true).
  void follow_presence(const std::string& key, const nlohmann::json& members);
  void unfollow_presence(const std::string& key);
  /// Adds "online" to the members in watch results.
  boost::asio::awaitable<void> mark_online(nlohmann::json& results);
  boost::asio::awaitable<void> expiry_loop();
  void unwatch_all();
  /// An ephemeral event (no seq) of `cid` from this user, to the channel's watchers on every node.
  void publish_ephemeral(const std::string& cid, nlohmann::json event);

  /// A watched channel. Until its watch has read PostgreSQL (ready), live events are held back;
  /// afterwards only seqs above `last` pass (no duplicate after a replay).
  struct Watch {
    std::string cid;
    std::int64_t last = 0;
    bool ready = false;
    std::vector<std::pair<std::int64_t, realtime::Frame>> held;
    bool typing_events = true;    // the channel type's switches
    bool delivery_events = true;
    bool read_needs_membership = true;  // the watch ends when this user is removed from the channel
    bool typing = false;          // this connection's user is typing here
    std::string typing_parent;
    std::chrono::steady_clock::time_point typing_started{};
    std::shared_ptr<boost::asio::steady_timer> typing_timer;  // sends typing.stop after 7 s without a refresh
  };
  void stop_typing(Watch& watch);
  typename std::unordered_map<std::string, Watch>::iterator user_watch(const nlohmann::json& id,
                                                                       const nlohmann::json& request, const char* what);

  boost::beast::websocket::stream<Stream> ws_;
  WsDeps& deps_;
  std::optional<net::ConnectionRegistration> registration_;  // drain reaches this session (from start())
  auth::Identity identity_;
  std::string connection_id_;
  boost::asio::steady_timer wake_;
  // The send queue: frames [queue_head_, size) are waiting. A vector, not a deque: an idle connection
  // holds no buffer (a libstdc++ deque allocates 576 bytes even when empty).
  std::vector<Frame> queue_;
  std::size_t queue_head_ = 0;
  std::size_t queued_bytes_ = 0;
  // What a watch queued at the client's request (its replay and its ack) is on top of the slow-consumer
  // bound until the queue next empties: a replay after a 4008 is always more than the bound.
  std::size_t requested_bytes_ = 0, requested_frames_ = 0;
  std::optional<CloseCode> close_code_;
  bool close_flush_ = true;
  bool stopped_ = false;
  std::size_t shard_ = 0;
  boost::asio::steady_timer expiry_;  // the token's exp: close 4001 unless refreshed
  std::string own_user_marker_;       // "user":{"id":"<me>"} in our own typing events
  std::string user_key_, app_key_;    // control events (access.revoked) for this user / every user of the app
  void on_control_event(const realtime::Frame& frame);
  std::unordered_map<std::string, Watch> watches_;  // by hub key
  bool in_presence_ = false;  // this connection has a presence entry (removed when it ends)
  // user.presence.changed: presence key -> number of watched channels that follow it; and per channel key
  // the presence keys it follows.
  std::unordered_map<std::string, std::size_t> presence_refs_;
  std::unordered_map<std::string, std::vector<std::string>> presence_of_watch_;
};

}  // namespace parley::ws
