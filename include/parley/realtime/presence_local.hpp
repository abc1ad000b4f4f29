#pragma once
// LocalPresence: Presence of a single node without Redis (see presence.hpp).
#include "parley/realtime/presence.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

namespace parley::realtime {

class LocalPresence final : public Presence {
 public:
  LocalPresence(EventPublisher& events, PresenceOptions options);
  void start(boost::asio::io_context&) override {}
  void stop() override {}
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
  using Connections = std::unordered_map<std::string, bool>;  // connection id -> invisible
  static bool visible(const Connections& connections);
  void announce(std::int64_t app_id, const std::string& user_id, bool online);

  EventPublisher& events_;
  PresenceOptions options_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::int64_t, std::string>, Connections> users_;
  std::size_t local_ = 0;
  std::uint64_t refused_ = 0;
  std::atomic<std::uint64_t> announced_{0};
  LocalThrottle typing_{kTypingInterval};
};

}  // namespace parley::realtime
