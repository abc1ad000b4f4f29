#pragma once
// Presence (API.md section 6, issue 4 item 4): which users are online, across
// every node, and the per-user connection limit (close 4029).
//
// Every WebSocket connection of a user is one entry; the user is online while
// one visible (not invisible) entry exists anywhere. Changes are announced as
// `user.presence.changed` on the user's presence key ("@presence:<user_id>",
// a hub control key), which connections that watch with "presence": true
// subscribe to for the members of their channels.
//
// With Redis (RedisPresence) entries live in one sorted set per user, scored
// by expiry and refreshed by their node every heartbeat/2, and each node keeps
// a registration that expires one heartbeat after its last refresh. Surviving
// nodes look for expired nodes every heartbeat/2; one of them claims a dead
// node atomically, removes its entries and announces the users that went
// offline: within 1.5 heartbeats of the death. Without Redis (one node)
// LocalPresence keeps the same state in memory.
#include "parley/realtime/channel_event.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::realtime {

/// The control cid that carries a user's user.presence.changed events.
std::string presence_cid(const std::string& user_id);

struct PresenceOptions {
  std::chrono::milliseconds heartbeat{25000};
  std::size_t max_connections_per_user = 10;
  std::size_t redis_queue_limit = 10000;
};

struct PresenceResult {
  bool accepted = true;   // false: the user already has max_connections_per_user connections
  bool available = true;  // false: the presence store was unreachable (the connection is let in: fail open)
};

struct PresenceStats {
  std::size_t local_connections = 0;  // entries of this node
  std::uint64_t announced = 0;        // user.presence.changed events published by this node
  std::uint64_t refused = 0;          // connections refused over the per-user limit
  std::uint64_t unavailable = 0;      // operations that could not reach the store
  std::uint64_t dead_nodes = 0;       // dead nodes this node cleaned up
};

/// At most one claim per key per interval, in this process (the typing throttle without Redis, and its
/// fallback while Redis is unreachable). Thread-safe; old entries are pruned as the map grows.
class LocalThrottle {
 public:
  explicit LocalThrottle(std::chrono::milliseconds interval) : interval_(interval) {}
  bool claim(const std::string& key);

 private:
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> last_;
};

/// Thread-safe. Callbacks may run on any thread: hand results off (post) only.
/// Also the other short-lived per-user state that all nodes share: the typing throttle.
class Presence {
 public:
  using Done = std::function<void(PresenceResult)>;
  virtual ~Presence() = default;
  /// Starts the heartbeat (refresh and dead-node sweep) on `io`.
  virtual void start(boost::asio::io_context& io) = 0;
  virtual void stop() = 0;
  /// Registers a connection unless the user is at the limit; announces the user online if that changed.
  virtual void connect(std::int64_t app_id, const std::string& user_id, const std::string& connection_id,
                       bool invisible, Done done) = 0;
  virtual void set_invisible(std::int64_t app_id, const std::string& user_id, const std::string& connection_id,
                             bool invisible, Done done) = 0;
  /// Removes a connection; announces the user offline if that was their last visible one.
  virtual void disconnect(std::int64_t app_id, const std::string& user_id, const std::string& connection_id) = 0;
  /// For each of `user_ids`: visibly online (false for all when the store is unreachable).
  virtual void online(std::int64_t app_id, std::vector<std::string> user_ids,
                      std::function<void(std::vector<bool>)> done) = 0;
  virtual PresenceStats stats() const = 0;
  /// True when this user may relay a typing.start in `cid` (thread `parent`, or ""): at most one per 2 s
  /// per user and channel on all nodes together (per node while Redis is unreachable).
  virtual void claim_typing(std::int64_t app_id, const std::string& cid, const std::string& user_id,
                            const std::string& parent, std::function<void(bool)> done) = 0;
};

/// The typing throttle's interval (API.md section 6).
inline constexpr std::chrono::milliseconds kTypingInterval{2000};

/// RedisPresence when redis_url is set, LocalPresence otherwise.
std::unique_ptr<Presence> make_presence(const std::string& redis_url, EventPublisher& events,
                                        PresenceOptions options);

/// Publishes {"type":"user.presence.changed","user":{"id","online"},"created_at"} on the user's presence key.
void announce_presence(EventPublisher& events, std::int64_t app_id, const std::string& user_id, bool online);

}  // namespace parley::realtime
