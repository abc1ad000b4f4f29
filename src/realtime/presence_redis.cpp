#include "parley/realtime/presence_redis.hpp"

#include "parley/auth/random.hpp"
#include "parley/obs/log.hpp"

namespace parley::realtime {
namespace {

const std::string kUserPrefix = "parley:presence:u:";  // + "<app_id>:<user_id>" (the user's tag)
const std::string kNodes = "parley:presence:nodes";
const std::string kNodePrefix = "parley:presence:node:";
constexpr std::size_t kRefreshChunk = 500;

// Shared head of every script: the time of Redis (one clock for every node) and the visibility test.
const std::string kScriptHead = R"(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function visible(key)
  for _, m in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    if string.sub(m, -2) == '|v' then return 1 end
  end
  return 0
end
)";

// KEYS: user key, node users set. ARGV: remove member or '', add member or '', limit (0: none),
// entry ttl ms, user tag, '1' to drop the tag from the node set, node set ttl ms.
// Returns {accepted, visible before, visible after}.
const std::string kUpdate = kScriptHead + R"(
local key = KEYS[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local before = visible(key)
if ARGV[1] ~= '' then redis.call('ZREM', key, ARGV[1]) end
if ARGV[2] ~= '' then
  local limit = tonumber(ARGV[3])
  if limit > 0 and redis.call('ZCARD', key) >= limit then return {0, before, before} end
  redis.call('ZADD', key, now + tonumber(ARGV[4]), ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[5])
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[7]))
elseif ARGV[6] == '1' then
  redis.call('SREM', KEYS[2], ARGV[5])
end
if redis.call('ZCARD', key) == 0 then redis.call('DEL', key) else redis.call('PEXPIRE', key, tonumber(ARGV[4])) end
return {1, before, visible(key)}
)";

// KEYS: nodes, node users set, user keys... ARGV: instance, node ttl, entry ttl, node set ttl, members...
// Refreshes this node's entries and registration; returns the other nodes whose registration expired.
const std::string kRefresh = kScriptHead + R"(
local ttl = tonumber(ARGV[3])
for i = 3, #KEYS do
  redis.call('ZADD', KEYS[i], now + ttl, ARGV[i + 2])
  redis.call('PEXPIRE', KEYS[i], ttl)
  redis.call('SADD', KEYS[2], string.sub(KEYS[i], 19))
end
if #KEYS > 2 then redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4])) end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
local dead = {}
for _, n in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  if n ~= ARGV[1] then table.insert(dead, n) end
end
return dead
)";

// KEYS: nodes, the dead node's users set. ARGV: dead instance. Claims the dead node (one sweeper wins),
// removes its entries, returns the tags of users who went offline.
const std::string kSweep = kScriptHead + R"(
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return {} end
local prefix = ARGV[1] .. '|'
local gone = {}
for _, tag in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local key = 'parley:presence:u:' .. tag
  local before = 0
  for _, m in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    if string.sub(m, -2) == '|v' then before = 1 end
    if string.sub(m, 1, #prefix) == prefix then redis.call('ZREM', key, m) end
  end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if before == 1 and visible(key) == 0 then table.insert(gone, tag) end
  if redis.call('ZCARD', key) == 0 then redis.call('DEL', key) end
end
redis.call('DEL', KEYS[2])
return gone
)";

// KEYS: user keys. Returns 1 for each user with a visible, unexpired entry.
const std::string kOnline = kScriptHead + R"(
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = 0
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, now, '+inf')) do
    if string.sub(m, -2) == '|v' then out[i] = 1 break end
  end
end
return out
)";

std::string user_tag(std::int64_t app_id, const std::string& user_id) {
  return std::to_string(app_id) + ":" + user_id;
}

bool flag(const bus::RedisReply& r, std::size_t i) {
  return r.elements.size() > i && r.elements[i].integer != 0;
}

}  // namespace

RedisPresence::RedisPresence(bus::RedisEndpoint endpoint, EventPublisher& events, PresenceOptions options)
    : redis_(std::move(endpoint), options.redis_queue_limit),
      events_(events),
      options_(options),
      instance_(auth::random_hex(8)) {}

RedisPresence::~RedisPresence() { stop(); }

void RedisPresence::start(boost::asio::io_context& io) {
  timer_ = std::make_unique<boost::asio::steady_timer>(io);
  tick();
}

void RedisPresence::stop() {
  if (stopped_.exchange(true)) return;
  if (timer_) boost::asio::post(timer_->get_executor(), [t = timer_.get()] { t->cancel(); });
  redis_.stop();
}

std::string RedisPresence::member_of(const std::string& connection_id, bool invisible) const {
  return instance_ + "|" + connection_id + (invisible ? "|i" : "|v");
}

void RedisPresence::update(std::int64_t app_id, const std::string& user_id, std::string remove, std::string add,
                           bool last_here, std::function<void(bool, bool, bool, bool)> done) {
  const auto entry_ttl = std::to_string((2 * options_.heartbeat + std::chrono::seconds(1)).count());
  const auto set_ttl = std::to_string((10 * options_.heartbeat).count());
  const std::string limit = add.empty() || !remove.empty() ? "0" : std::to_string(options_.max_connections_per_user);
  redis_.command({"EVAL", kUpdate, "2", kUserPrefix + user_tag(app_id, user_id), kNodePrefix + instance_,
                  std::move(remove), std::move(add), limit, entry_ttl, user_tag(app_id, user_id),
                  last_here ? "1" : "0", set_ttl},
                 [this, done = std::move(done)](bus::RedisReply r) {
                   if (!r.ok || r.error) {
                     if (r.error) obs::warn("presence script failed", {{"error", r.str}});
                     unavailable_.fetch_add(1);
                     done(false, true, false, false);
                     return;
                   }
                   done(true, flag(r, 0), flag(r, 1), flag(r, 2));
                 });
}

void RedisPresence::connect(std::int64_t app_id, const std::string& user_id, const std::string& connection_id,
                            bool invisible, Done done) {
  const std::string member = member_of(connection_id, invisible);
  auto record = [this, app_id, user_id, connection_id, member] {
    std::lock_guard lock(mutex_);
    local_[connection_id] = {app_id, user_id, member};
    ++users_here_[{app_id, user_id}];
  };
  update(app_id, user_id, "", member, false,
         [this, app_id, user_id, record, done = std::move(done)](bool ok, bool accepted, bool before, bool after) {
           if (!ok) {  // fail open: let the connection in; the next refresh registers it
             record();
             done({true, false});
             return;
           }
           if (!accepted) {
             refused_.fetch_add(1);
             done({false, true});
             return;
           }
           record();
           if (!before && after) {
             announced_.fetch_add(1);
             announce_presence(events_, app_id, user_id, true);
           }
           done({true, true});
         });
}

void RedisPresence::set_invisible(std::int64_t app_id, const std::string& user_id, const std::string& connection_id,
                                  bool invisible, Done done) {
  std::lock_guard lock(mutex_);  // ordered with the refresh: both are queued under the lock
  auto it = local_.find(connection_id);
  if (it == local_.end()) {
    done({true, false});
    return;
  }
  std::string old_member = it->second.member;
  it->second.member = member_of(connection_id, invisible);
  update(app_id, user_id, std::move(old_member), it->second.member, false,
         [this, app_id, user_id, done = std::move(done)](bool ok, bool, bool before, bool after) {
           if (ok && before != after) {
             announced_.fetch_add(1);
             announce_presence(events_, app_id, user_id, after);
           }
           done({true, ok});
         });
}

void RedisPresence::disconnect(std::int64_t app_id, const std::string& user_id, const std::string& connection_id) {
  std::lock_guard lock(mutex_);
  auto it = local_.find(connection_id);
  if (it == local_.end()) return;
  std::string member = std::move(it->second.member);
  local_.erase(it);
  bool last_here = false;
  if (auto u = users_here_.find({app_id, user_id}); u != users_here_.end() && --u->second == 0) {
    users_here_.erase(u);
    last_here = true;
  }
  update(app_id, user_id, std::move(member), "", last_here,
         [this, app_id, user_id](bool ok, bool, bool before, bool after) {
           if (ok && before && !after) {
             announced_.fetch_add(1);
             announce_presence(events_, app_id, user_id, false);
           }
         });
}

void RedisPresence::online(std::int64_t app_id, std::vector<std::string> user_ids,
                           std::function<void(std::vector<bool>)> done) {
  if (user_ids.empty()) {
    done({});
    return;
  }
  std::vector<std::string> args{"EVAL", kOnline, std::to_string(user_ids.size())};
  for (const auto& u : user_ids) args.push_back(kUserPrefix + user_tag(app_id, u));
  redis_.command(std::move(args), [this, n = user_ids.size(), done = std::move(done)](bus::RedisReply r) {
    std::vector<bool> out(n, false);
    if (!r.ok || r.error) {
      unavailable_.fetch_add(1);
    } else {
      for (std::size_t i = 0; i < n && i < r.elements.size(); ++i) out[i] = r.elements[i].integer != 0;
    }
    done(std::move(out));
  });
}

// Every heartbeat/2: refresh this node's entries and registration, then sweep nodes that stopped refreshing.
void RedisPresence::tick() {
  if (stopped_) return;
  const auto node_ttl = std::to_string(options_.heartbeat.count());
  const auto entry_ttl = std::to_string((2 * options_.heartbeat + std::chrono::seconds(1)).count());
  const auto set_ttl = std::to_string((10 * options_.heartbeat).count());
  {
    std::lock_guard lock(mutex_);
    auto it = local_.begin();
    do {
      std::vector<std::string> keys{kNodes, kNodePrefix + instance_};
      std::vector<std::string> members;
      for (; it != local_.end() && members.size() < kRefreshChunk; ++it) {
        keys.push_back(kUserPrefix + user_tag(it->second.app_id, it->second.user_id));
        members.push_back(it->second.member);
      }
      std::vector<std::string> args{"EVAL", kRefresh, std::to_string(keys.size())};
      args.insert(args.end(), keys.begin(), keys.end());
      args.insert(args.end(), {instance_, node_ttl, entry_ttl, set_ttl});
      args.insert(args.end(), members.begin(), members.end());
      redis_.command(std::move(args), [this](bus::RedisReply r) {
        if (!r.ok || r.error) return;
        for (const auto& dead : r.elements) sweep(dead.str);
      });
    } while (it != local_.end());
  }
  timer_->expires_after(options_.heartbeat / 2);
  timer_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void RedisPresence::sweep(const std::string& dead_instance) {
  redis_.command({"EVAL", kSweep, "2", kNodes, kNodePrefix + dead_instance, dead_instance},
                 [this, dead_instance](bus::RedisReply r) {
                   if (!r.ok || r.error || r.elements.empty()) return;
                   dead_nodes_.fetch_add(1);
                   obs::info("presence: cleaned up a dead node",
                             {{"instance", dead_instance}, {"offline_users", r.elements.size()}});
                   for (const auto& tag : r.elements) {
                     const auto colon = tag.str.find(':');
                     if (colon == std::string::npos) continue;
                     std::int64_t app_id = 0;
                     try {
                       app_id = std::stoll(tag.str.substr(0, colon));
                     } catch (const std::exception&) {
                       continue;
                     }
                     announced_.fetch_add(1);
                     announce_presence(events_, app_id, tag.str.substr(colon + 1), false);
                   }
                 });
}

// SET NX with a 2 s expiry: the first start of a user in a channel within 2 s wins, on whichever node.
void RedisPresence::claim_typing(std::int64_t app_id, const std::string& cid, const std::string& user_id,
                                 const std::string& parent, std::function<void(bool)> done) {
  std::string key = "parley:typing:" + std::to_string(app_id) + "\n" + cid + "\n" + user_id + "\n" + parent;
  redis_.command({"SET", key, "1", "PX", std::to_string(kTypingInterval.count()), "NX"},
                 [this, key, done = std::move(done)](bus::RedisReply r) {
                   if (!r.ok || r.error) {
                     unavailable_.fetch_add(1);
                     done(typing_fallback_.claim(key));
                     return;
                   }
                   done(!r.nil);
                 });
}

PresenceStats RedisPresence::stats() const {
  PresenceStats s;
  {
    std::lock_guard lock(mutex_);
    s.local_connections = local_.size();
  }
  s.announced = announced_.load();
  s.refused = refused_.load();
  s.unavailable = unavailable_.load();
  s.dead_nodes = dead_nodes_.load();
  return s;
}

}  // namespace parley::realtime
