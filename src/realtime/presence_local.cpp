// LocalPresence: presence and the per-user connection limit of a single node
// (no Redis): the same rules as RedisPresence, in memory.
#include "parley/realtime/presence_local.hpp"

namespace parley::realtime {

LocalPresence::LocalPresence(EventPublisher& events, PresenceOptions options)
    : events_(events), options_(options) {}

bool LocalPresence::visible(const Connections& connections) {
  for (const auto& [id, invisible] : connections) {
    if (!invisible) return true;
  }
  return false;
}

void LocalPresence::connect(std::int64_t app_id, const std::string& user_id, const std::string& connection_id,
                            bool invisible, Done done) {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    auto& connections = users_[{app_id, user_id}];
    if (options_.max_connections_per_user > 0 && connections.size() >= options_.max_connections_per_user) {
      ++refused_;
      done({false, true});
      return;
    }
    const bool before = visible(connections);
    connections[connection_id] = invisible;
    ++local_;
    changed = visible(connections) != before;
  }
  if (changed) announce(app_id, user_id, true);
  done({true, true});
}

void LocalPresence::set_invisible(std::int64_t app_id, const std::string& user_id, const std::string& connection_id,
                                  bool invisible, Done done) {
  bool changed = false;
  bool now_online = false;
  {
    std::lock_guard lock(mutex_);
    auto it = users_.find({app_id, user_id});
    if (it != users_.end() && it->second.count(connection_id) != 0) {
      const bool before = visible(it->second);
      it->second[connection_id] = invisible;
      now_online = visible(it->second);
      changed = now_online != before;
    }
  }
  if (changed) announce(app_id, user_id, now_online);
  done({true, true});
}

void LocalPresence::disconnect(std::int64_t app_id, const std::string& user_id, const std::string& connection_id) {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    auto it = users_.find({app_id, user_id});
    if (it == users_.end() || it->second.count(connection_id) == 0) return;
    const bool before = visible(it->second);
    it->second.erase(connection_id);
    --local_;
    changed = before && !visible(it->second);
    if (it->second.empty()) users_.erase(it);
  }
  if (changed) announce(app_id, user_id, false);
}

void LocalPresence::online(std::int64_t app_id, std::vector<std::string> user_ids,
                           std::function<void(std::vector<bool>)> done) {
  std::vector<bool> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& user : user_ids) {
      auto it = users_.find({app_id, user});
      out.push_back(it != users_.end() && visible(it->second));
    }
  }
  done(std::move(out));
}

void LocalPresence::announce(std::int64_t app_id, const std::string& user_id, bool online) {
  announced_.fetch_add(1);
  announce_presence(events_, app_id, user_id, online);
}

void LocalPresence::claim_typing(std::int64_t app_id, const std::string& cid, const std::string& user_id,
                                 const std::string& parent, std::function<void(bool)> done) {
  done(typing_.claim(std::to_string(app_id) + "\n" + cid + "\n" + user_id + "\n" + parent));
}

PresenceStats LocalPresence::stats() const {
  std::lock_guard lock(mutex_);
  PresenceStats s;
  s.local_connections = local_;
  s.announced = announced_.load();
  s.refused = refused_;
  return s;
}

}  // namespace parley::realtime
