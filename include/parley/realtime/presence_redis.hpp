#pragma once
// RedisPresence: Presence shared by every node through Redis (see presence.hpp).
//
// Keys: "parley:presence:u:<app_id>:<user_id>" a sorted set of the user's
// connections ("<instance>|<connection_id>|v" visible or "|i" invisible,
// scored by expiry in ms of Redis time); "parley:presence:nodes" the live
// nodes scored by expiry; "parley:presence:node:<instance>" the users
// ("<app_id>:<user_id>") with connections on that node. Every change runs as
// one Lua script, so the limit check and the online/offline decision are
// atomic across nodes. Needs one Redis (not Redis Cluster).
#include "parley/bus/redis_client.hpp"
#include "parley/realtime/presence.hpp"

#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <map>
#include <mutex>

namespace parley::realtime {

class RedisPresence final : public Presence {
 public:
  RedisPresence(bus::RedisEndpoint endpoint, EventPublisher& events, PresenceOptions options);
  ~RedisPresence() override;
  void start(boost::asio::io_context& io) override;
  void stop() override;
  void connect(std::int64_t app_id, const std::string& user_id, const std::string& connection_id, bool invisible,
               Done done) override;
  void set_invisible(std::int64_t app_id, const std::string& user_id, const std::string& connection_id,
                     bool invisible, Done done) override;
  void disconnect(std::int64_t app_id, const std::string& user_id, const std::string& connection_id) override;
  void online(std::int64_t app_id, std::vector<std::string> user_ids,
              std::function<void(std::vector<bool>)> done) override;
  PresenceStats stats() const override;
  void claim_typing(std::int64_t app_id, const std::string& cid, const std::string& user_id, const std::string& parent,
                    std::function<void(bool)> done) override;

 private:
  struct Entry {
    std::int64_t app_id;
    std::string user_id;
    std::string member;
  };
  std::string member_of(const std::string& connection_id, bool invisible) const;
  /// Runs the update script; `done(accepted, before, after)`; `ok` false when Redis was unreachable.
  void update(std::int64_t app_id, const std::string& user_id, std::string remove, std::string add, bool last_here,
              std::function<void(bool ok, bool accepted, bool before, bool after)> done);
  void tick();
  void sweep(const std::string& dead_instance);

  bus::RedisClient redis_;
  EventPublisher& events_;
  PresenceOptions options_;
  std::string instance_;  // random per process
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::atomic<bool> stopped_{false};

  mutable std::mutex mutex_;
  std::map<std::string, Entry> local_;                             // connection id -> entry
  std::map<std::pair<std::int64_t, std::string>, std::size_t> users_here_;  // connections per user on this node

  std::atomic<std::uint64_t> announced_{0}, refused_{0}, unavailable_{0}, dead_nodes_{0};
  LocalThrottle typing_fallback_{kTypingInterval};  // while Redis is unreachable
};

}  // namespace parley::realtime
