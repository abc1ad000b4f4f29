#include "parley/realtime/presence.hpp"

#include "parley/protocol/timestamp.hpp"
#include "parley/realtime/presence_local.hpp"
#include "parley/realtime/presence_redis.hpp"

#include <nlohmann/json.hpp>

namespace parley::realtime {

std::string presence_cid(const std::string& user_id) { return "@presence:" + user_id; }

bool LocalThrottle::claim(const std::string& key) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (last_.size() >= 4096) std::erase_if(last_, [&](const auto& e) { return now - e.second >= interval_; });
  auto [it, inserted] = last_.try_emplace(key, now);
  if (inserted) return true;
  if (now - it->second < interval_) return false;
  it->second = now;
  return true;
}

void announce_presence(EventPublisher& events, std::int64_t app_id, const std::string& user_id, bool online) {
  const nlohmann::json event = {{"type", "user.presence.changed"},
                                {"user", {{"id", user_id}, {"online", online}}},
                                {"created_at", protocol::now_timestamp()}};
  events.publish({{app_id, presence_cid(user_id), 0, std::make_shared<const std::string>(event.dump())}});
}

std::unique_ptr<Presence> make_presence(const std::string& redis_url, EventPublisher& events,
                                        PresenceOptions options) {
  if (redis_url.empty()) return std::make_unique<LocalPresence>(events, options);
  return std::make_unique<RedisPresence>(bus::parse_redis_url(redis_url), events, options);
}

}  // namespace parley::realtime
