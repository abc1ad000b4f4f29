#pragma once
// The Hub: fan-out of channel events to the WebSocket watchers of this node,
// and between nodes through the Bus (issue 4, ARCHITECTURE.md "the path of a
// message").
//
// - Watchers are kept per io_context shard and touched only on that shard's
//   thread: no lock on the delivery path. An event is one shared buffer,
//   posted once to each shard, written as-is to each watcher there.
// - Each channel watched on this node has a Feed on one home shard (by hash)
//   that orders its events by seq: duplicates (Redis echoes, replays) are
//   dropped, out-of-order events wait briefly for the missing seq, and a gap
//   that does not close by itself (pub/sub loses messages across reconnects)
//   is filled from PostgreSQL before anything later is delivered.
// - The node subscribes to a channel's bus channel on its first local
//   watcher and unsubscribes after its last.
// - Events committed on this node go to the local feeds at once (no Redis
//   round trip) and are published on the bus for the other nodes, tagged
//   with this process's instance id so the echo is ignored.
#include "parley/bus/bus.hpp"
#include "parley/realtime/channel_event.hpp"
#include "parley/net/io_context_pool.hpp"
#include "parley/obs/metrics.hpp"
#include "parley/storage/db_pool.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::realtime {

using Frame = std::shared_ptr<const std::string>;

/// A local receiver of channel events (a WebSocket session); called on its own shard's thread only.
class Watcher {
 public:
  virtual ~Watcher() = default;
  virtual void on_channel_event(const std::string& key, std::int64_t seq, const Frame& frame) = 0;
};

/// The bus channel (and hub key) of a chat channel: "ch:{app_id}:{cid}".
std::string channel_key(std::int64_t app_id, const std::string& cid);

struct HubOptions {
  std::chrono::milliseconds gap_wait{100};      // an out-of-order event waits this long for the missing seqs
  std::chrono::milliseconds settle_check{1000};  // after a feed starts: one catch-up read (subscription window)
  std::size_t feed_pending_limit = 4096;        // events held back per feed before it resyncs from PostgreSQL
};

struct HubStats {
  std::uint64_t published = 0;     // events committed on this node
  std::uint64_t received = 0;      // events from other nodes
  std::uint64_t delivered = 0;     // events passed on to shards (once per event and node)
  std::uint64_t gap_fills = 0;     // reads from PostgreSQL to fill a seq gap or catch up
  std::uint64_t duplicates = 0;    // events dropped as already delivered
  std::size_t feeds = 0;           // channels watched on this node
};

class Hub final : public EventPublisher {
 public:
  Hub(net::IoContextPool& pool, bus::Bus& bus, storage::DbPool& db, HubOptions options = {});
  ~Hub() override;
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  /// Installs the bus handlers; call once before serving.
  void start();

  /// The shard index of an io_context of the pool.
  std::size_t shard_of(const boost::asio::io_context& io) const;

  /// On shard `shard`'s thread. The watcher receives every event of `key` delivered from now on.
  void watch(std::size_t shard, Watcher* watcher, const std::string& key);
  /// On shard `shard`'s thread; no more calls for `key` after it returns.
  void unwatch(std::size_t shard, Watcher* watcher, const std::string& key);
  /// Any thread: a seq read from PostgreSQL after watch(): every event after it will be delivered.
  void set_baseline(const std::string& key, std::int64_t seq);

  /// Any thread (DbPool workers after a commit). Never blocks.
  void publish(std::vector<ChannelEvent> events) override;

  /// Node-level cache invalidations ("<kind> <app_id>"): to every other node through the bus (every node
  /// is subscribed to kInvalidationChannel from start()); the sender has invalidated its own cache already.
  void broadcast_invalidation(const std::string& message);
  /// Called on a bus thread for each invalidation from another node; set before start().
  void set_invalidation_handler(std::function<void(const std::string& message)> handler);
  static constexpr const char* kInvalidationChannel = "parley:invalidate";

  HubStats stats() const;
  /// From an event's publication on its node (after the commit) to its hand-off to this node's watchers
  /// (queued on each of their connections), observed once per event and shard that has watchers.
  const obs::LatencyHistogram& fanout_latency() const { return fanout_latency_; }

 private:
  struct Feed;
  struct Shard;

  std::size_t home_of(const std::string& key) const;
  void on_bus_message(const std::string& channel, std::shared_ptr<const std::string> payload);
  void on_bus_state(bool connected);
  // On the home shard's thread:
  void feed_event(const std::string& key, std::int64_t seq, const Frame& frame, std::int64_t origin_us);
  void feed_start(const std::string& key);
  void feed_stop(const std::string& key);
  void feed_baseline(const std::string& key, std::int64_t seq);
  void drain_feed(const std::string& key, Feed& feed);
  void arm_gap_timer(const std::string& key, Feed& feed);
  Feed* find_feed(const std::string& key, std::uint64_t generation);
  void request_fill(const std::string& key, Feed& feed);
  boost::asio::awaitable<void> fill(std::string key, std::uint64_t generation);
  // From the home shard: to every shard's watchers.
  // `origin_us`: when the event was published on its node (unix µs; 0 = unknown, e.g. read from PostgreSQL).
  void deliver(const std::string& key, std::int64_t seq, const Frame& frame, std::int64_t origin_us);

  net::IoContextPool& pool_;
  bus::Bus& bus_;
  storage::DbPool& db_;
  HubOptions options_;
  std::function<void(const std::string&)> invalidation_handler_;
  std::string instance_;  // random per process: our own events coming back from the bus are ignored
  std::vector<std::unique_ptr<Shard>> shards_;
  std::mutex subscriptions_mutex_;
  std::unordered_map<std::string, std::size_t> local_watchers_;  // key -> watchers on this node
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> published_{0}, received_{0}, delivered_{0}, gap_fills_{0}, duplicates_{0};
  std::atomic<std::size_t> feeds_{0};
  obs::LatencyHistogram fanout_latency_;
};

}  // namespace parley::realtime
