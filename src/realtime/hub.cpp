#include "parley/realtime/hub.hpp"

#include "parley/auth/random.hpp"
#include "parley/storage/event_repository.hpp"
#include "parley/obs/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <charconv>
#include <functional>

namespace parley::realtime {

namespace asio = boost::asio;

struct Hub::Feed {
  Feed(asio::io_context& io, std::uint64_t gen) : gap_timer(io), generation(gen) {}
  std::int64_t last = -1;  // -1: no baseline yet (events wait in pending)
  struct Held {
    Frame frame;
    std::int64_t origin_us = 0;
  };
  std::map<std::int64_t, Held> pending;
  asio::steady_timer gap_timer;
  bool timer_armed = false;
  bool filling = false;
  bool refill = false;
  std::uint64_t generation;
};

struct Hub::Shard {
  explicit Shard(asio::io_context& ctx) : io(ctx) {}
  asio::io_context& io;
  // A key's local watchers. Delivery walks the list in place (no copy per event); a watcher that leaves
  // during a delivery leaves a hole (null) that is compacted once the delivery is over.
  struct Watchers {
    std::vector<Watcher*> list;
    int delivering = 0;
    bool holes = false;
  };
  std::unordered_map<std::string, Watchers> watchers;
  std::unordered_map<std::string, std::unique_ptr<Feed>> feeds;  // the feeds whose home this shard is
};

std::string channel_key(std::int64_t app_id, const std::string& cid) {
  return "ch:" + std::to_string(app_id) + ":" + cid;
}

namespace {
std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Control keys ("@user:<id>", "@app") carry only ephemeral events: no feed, no seq ordering.
bool is_control_key(const std::string& key) {
  const auto colon = key.find(':', 3);
  return colon != std::string::npos && colon + 1 < key.size() && key[colon + 1] == '@';
}
}  // namespace

Hub::Hub(net::IoContextPool& pool, bus::Bus& bus, storage::DbPool& db, HubOptions options)
    : pool_(pool), bus_(bus), db_(db), options_(options), instance_(auth::random_hex(8)) {
  for (std::size_t i = 0; i < pool_.size(); ++i) shards_.push_back(std::make_unique<Shard>(pool_.at(i)));
}

Hub::~Hub() = default;

void Hub::start() {
  bus_.set_message_handler(
      [this](const std::string& channel, std::shared_ptr<const std::string> payload) { on_bus_message(channel, payload); });
  bus_.set_state_handler([this](bool connected) { on_bus_state(connected); });
  bus_.subscribe(kInvalidationChannel);
}

void Hub::set_invalidation_handler(std::function<void(const std::string&)> handler) {
  invalidation_handler_ = std::move(handler);
}

void Hub::broadcast_invalidation(const std::string& message) { bus_.publish(kInvalidationChannel, instance_ + " " + message); }

std::size_t Hub::shard_of(const asio::io_context& io) const {
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    if (&shards_[i]->io == &io) return i;
  }
  return 0;
}

std::size_t Hub::home_of(const std::string& key) const { return std::hash<std::string>{}(key) % shards_.size(); }

HubStats Hub::stats() const {
  return {published_.load(), received_.load(), delivered_.load(), gap_fills_.load(), duplicates_.load(), feeds_.load()};
}

void Hub::watch(std::size_t shard, Watcher* watcher, const std::string& key) {
  shards_[shard]->watchers[key].list.push_back(watcher);
  std::lock_guard lock(subscriptions_mutex_);
  if (++local_watchers_[key] == 1) {
    bus_.subscribe(key);
    // Posted under the lock: a start and a stop of one key reach the home shard in order.
    if (!is_control_key(key)) asio::post(shards_[home_of(key)]->io, [this, key] { feed_start(key); });
  }
}

void Hub::unwatch(std::size_t shard, Watcher* watcher, const std::string& key) {
  auto& map = shards_[shard]->watchers;
  auto it = map.find(key);
  if (it == map.end()) return;
  auto& entry = it->second;
  auto& list = entry.list;
  const auto found = std::find(list.begin(), list.end(), watcher);
  if (found == list.end()) return;
  if (entry.delivering > 0) {
    *found = nullptr;  // the delivery in progress skips it; compacted when it ends
    entry.holes = true;
  } else {
    list.erase(found);
    if (list.empty()) map.erase(it);
  }
  std::lock_guard lock(subscriptions_mutex_);
  auto count = local_watchers_.find(key);
  if (count != local_watchers_.end() && --count->second == 0) {
    local_watchers_.erase(count);
    bus_.unsubscribe(key);
    if (!is_control_key(key)) asio::post(shards_[home_of(key)]->io, [this, key] { feed_stop(key); });
  }
}

void Hub::set_baseline(const std::string& key, std::int64_t seq) {
  asio::post(shards_[home_of(key)]->io, [this, key, seq] { feed_baseline(key, seq); });
}

void Hub::publish(std::vector<ChannelEvent> events) {
  const std::int64_t origin = now_us();
  for (auto& e : events) {
    published_.fetch_add(1, std::memory_order_relaxed);
    std::string key = channel_key(e.app_id, e.cid);
    std::string wire;
    wire.reserve(instance_.size() + 48 + e.frame->size());
    wire.append(instance_).append(" ").append(std::to_string(e.seq)).append(" ").append(std::to_string(origin));
    wire.append(" ").append(*e.frame);
    bus_.publish(key, std::move(wire));
    if (e.seq == 0) {
      deliver(key, 0, e.frame, origin);
    } else {
      const std::int64_t seq = e.seq;
      // The home shard first: the lambda below moves `key` out, and arguments are evaluated in any order.
      asio::io_context& home = shards_[home_of(key)]->io;
      asio::post(home, [this, key = std::move(key), seq, frame = std::move(e.frame), origin] {
        feed_event(key, seq, frame, origin);
      });
    }
  }
}

void Hub::on_bus_message(const std::string& channel, std::shared_ptr<const std::string> payload) {
  // "<instance> <seq> <origin_us> <json>"
  const std::string& p = *payload;
  const auto a = p.find(' ');
  if (a == std::string::npos) return;
  if (std::string_view(p).substr(0, a) == instance_) return;  // our own event, delivered locally already
  if (channel == kInvalidationChannel) {
    if (invalidation_handler_) invalidation_handler_(p.substr(a + 1));
    return;
  }
  const auto b = p.find(' ', a + 1);
  if (b == std::string::npos) return;
  const auto c = p.find(' ', b + 1);
  if (c == std::string::npos) return;
  std::int64_t seq = 0, origin = 0;
  auto [end, ec] = std::from_chars(p.data() + a + 1, p.data() + b, seq);
  if (ec != std::errc() || end != p.data() + b || seq < 0) return;
  auto [end2, ec2] = std::from_chars(p.data() + b + 1, p.data() + c, origin);
  if (ec2 != std::errc() || end2 != p.data() + c || origin < 0) return;
  received_.fetch_add(1, std::memory_order_relaxed);
  Frame frame = std::make_shared<const std::string>(p.substr(c + 1));
  if (seq == 0) {
    deliver(channel, 0, frame, origin);
    return;
  }
  asio::post(shards_[home_of(channel)]->io, [this, key = channel, seq, frame = std::move(frame), origin] {
    feed_event(key, seq, frame, origin);
  });
}

void Hub::on_bus_state(bool connected) {
  if (!connected) {
    // Invalidations from other nodes cannot arrive now: caches that must never be stale stop serving.
    if (invalidation_handler_) invalidation_handler_("offline");
    return;
  }
  // Invalidations published while we were away are lost too: caches start over.
  if (invalidation_handler_) invalidation_handler_("all");
  // Pub/sub lost whatever was published while we were away: every feed catches up from PostgreSQL.
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    asio::post(shards_[i]->io, [this, i] {
      for (auto& [key, feed] : shards_[i]->feeds) request_fill(key, *feed);
    });
  }
}

Hub::Feed* Hub::find_feed(const std::string& key, std::uint64_t generation) {
  auto& feeds = shards_[home_of(key)]->feeds;
  auto it = feeds.find(key);
  if (it == feeds.end() || it->second->generation != generation) return nullptr;
  return it->second.get();
}

void Hub::feed_start(const std::string& key) {
  auto& shard = *shards_[home_of(key)];
  if (shard.feeds.count(key) != 0) return;
  shard.feeds.emplace(key, std::make_unique<Feed>(shard.io, ++generation_));
  feeds_.fetch_add(1, std::memory_order_relaxed);
}

void Hub::feed_stop(const std::string& key) {
  if (shards_[home_of(key)]->feeds.erase(key) > 0) feeds_.fetch_sub(1, std::memory_order_relaxed);
}

void Hub::feed_baseline(const std::string& key, std::int64_t seq) {
  auto& feeds = shards_[home_of(key)]->feeds;
  auto it = feeds.find(key);
  if (it == feeds.end() || it->second->last >= 0) return;
  Feed& feed = *it->second;
  feed.last = seq;
  drain_feed(key, feed);
  // Events published on other nodes before our bus subscription took effect are lost to us:
  // one catch-up read once the subscription has surely settled.
  auto timer = std::make_shared<asio::steady_timer>(shards_[home_of(key)]->io, options_.settle_check);
  timer->async_wait([this, key, timer, gen = feed.generation](const boost::system::error_code& ec) {
    if (ec) return;
    if (Feed* f = find_feed(key, gen)) request_fill(key, *f);
  });
}

void Hub::feed_event(const std::string& key, std::int64_t seq, const Frame& frame, std::int64_t origin_us) {
  auto& feeds = shards_[home_of(key)]->feeds;
  auto it = feeds.find(key);
  if (it == feeds.end()) return;  // nobody watches this channel here
  Feed& feed = *it->second;
  if (feed.last >= 0 && seq <= feed.last) {
    duplicates_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (feed.pending.size() >= options_.feed_pending_limit) {
    // Bounded: drop what is held back and read it again from PostgreSQL.
    feed.pending.clear();
    request_fill(key, feed);
  }
  feed.pending.emplace(seq, Feed::Held{frame, origin_us});
  drain_feed(key, feed);
}

void Hub::drain_feed(const std::string& key, Feed& feed) {
  if (feed.last < 0) return;  // no baseline yet
  while (!feed.pending.empty() && feed.pending.begin()->first <= feed.last + 1) {
    auto first = feed.pending.begin();
    if (first->first == feed.last + 1) {
      deliver(key, first->first, first->second.frame, first->second.origin_us);
      feed.last = first->first;
    } else {
      duplicates_.fetch_add(1, std::memory_order_relaxed);
    }
    feed.pending.erase(first);
  }
  if (!feed.pending.empty()) arm_gap_timer(key, feed);
}

void Hub::arm_gap_timer(const std::string& key, Feed& feed) {
  if (feed.timer_armed) return;
  feed.timer_armed = true;
  feed.gap_timer.expires_after(options_.gap_wait);
  feed.gap_timer.async_wait([this, key, gen = feed.generation](const boost::system::error_code& ec) {
    Feed* f = find_feed(key, gen);
    if (f == nullptr) return;
    f->timer_armed = false;
    if (ec) return;
    if (!f->pending.empty()) request_fill(key, *f);
  });
}

void Hub::request_fill(const std::string& key, Feed& feed) {
  if (feed.last < 0) return;  // the baseline's own catch-up comes later
  if (feed.filling) {
    feed.refill = true;
    return;
  }
  feed.filling = true;
  asio::co_spawn(shards_[home_of(key)]->io, fill(key, feed.generation), asio::detached);
}

asio::awaitable<void> Hub::fill(std::string key, std::uint64_t generation) {
  // key = "ch:{app_id}:{cid}"
  const auto colon = key.find(':', 3);
  const std::int64_t app_id = std::stoll(key.substr(3, colon - 3));
  const std::string cid = key.substr(colon + 1);
  constexpr int kPage = 1000;
  for (;;) {
    Feed* feed = find_feed(key, generation);
    if (feed == nullptr) co_return;
    const std::int64_t after = feed->last;
    std::vector<std::pair<std::int64_t, std::string>> rows;
    try {
      auto read = [app_id, cid, after](storage::Connection& c) { return storage::events_after(c, app_id, cid, after, kPage); };
      rows = co_await db_.run(std::move(read));
    } catch (const std::exception& e) {
      obs::warn("filling a channel feed from PostgreSQL failed", {{"channel", key}, {"error", e.what()}});
      if (Feed* f = find_feed(key, generation)) {
        f->filling = false;
        if (!f->pending.empty()) arm_gap_timer(key, *f);  // try again later
      }
      co_return;
    }
    feed = find_feed(key, generation);
    if (feed == nullptr) co_return;
    gap_fills_.fetch_add(1, std::memory_order_relaxed);
    // The highest seq this read saw. A channel's seqs commit in order (one row lock), so every seq below it was
    // committed when we read; a missing one below it is gone from the log for good. Seqs above it may simply
    // not have been committed (or published) yet when the read ran: they are waited for, never skipped.
    std::int64_t seen = after;
    for (auto& [seq, json] : rows) {
      seen = std::max(seen, seq);
      if (seq > feed->last) feed->pending.emplace(seq, Feed::Held{std::make_shared<const std::string>(std::move(json)), 0});
    }
    feed->timer_armed = false;
    feed->gap_timer.cancel();
    drain_feed(key, *feed);
    if (!feed->pending.empty() && rows.size() < static_cast<std::size_t>(kPage) &&
        feed->pending.begin()->first <= seen) {
      // The missing seqs are not in PostgreSQL (pruned or truncated away): skip to what we have.
      obs::warn("channel feed skips missing seqs", {{"channel", key},
                                                    {"from", feed->last + 1},
                                                    {"to", feed->pending.begin()->first - 1}});
      feed->last = feed->pending.begin()->first - 1;
      drain_feed(key, *feed);
    }
    if (rows.size() == static_cast<std::size_t>(kPage) || feed->refill) {
      feed->refill = false;
      continue;
    }
    feed->filling = false;
    co_return;
  }
}

void Hub::deliver(const std::string& key, std::int64_t seq, const Frame& frame, std::int64_t origin_us) {
  delivered_.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    asio::post(shards_[i]->io, [this, i, key, seq, frame, origin_us] {
      auto& watchers = shards_[i]->watchers;
      auto it = watchers.find(key);
      if (it == watchers.end()) return;
      // References to the map's entries survive rehashing (unordered_map), and this key's entry is not
      // erased while delivering; `it` itself is not used after a callback.
      auto& entry = it->second;
      ++entry.delivering;
      const std::size_t n = entry.list.size();  // watchers added during the delivery start with the next event
      for (std::size_t k = 0; k < n; ++k) {
        if (Watcher* w = entry.list[k]) w->on_channel_event(key, seq, frame);
      }
      if (--entry.delivering == 0 && entry.holes) {
        std::erase(entry.list, nullptr);
        entry.holes = false;
        if (entry.list.empty()) watchers.erase(key);  // by key: a watch() meanwhile may have rehashed the map
      }
      if (origin_us > 0) fanout_latency_.observe(std::chrono::microseconds(std::max<std::int64_t>(0, now_us() - origin_us)));
    });
  }
}

}  // namespace parley::realtime
