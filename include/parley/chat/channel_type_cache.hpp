#pragma once
// Per-node cache of channel types as they apply in each app (issue 9 item 5):
// the send, read and watch paths check grants and switches without a query.
//
// Thread-safe (one mutex; lookups are short). Bounded: past kMaxEntries the
// cache is emptied and refills on demand. Entries live `ttl` at most (the
// safety net while the bus is down); a change of a channel type invalidates
// its app on this node at once and on every other node through the bus
// (Hub::broadcast_invalidation). A fill that raced with an invalidation is
// not stored: fills carry the generation they started at.
#include "parley/chat/channel_types.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace parley::chat {

class ChannelTypeCache {
 public:
  using Entry = std::shared_ptr<const ChannelTypeConfig>;  // null: the app has no such type
  static constexpr std::size_t kMaxEntries = 10000;

  explicit ChannelTypeCache(std::chrono::milliseconds ttl = std::chrono::seconds(10)) : ttl_(ttl) {}

  /// The cached entry, or nullopt on a miss.
  std::optional<Entry> lookup(std::int64_t app_id, const std::string& name);
  /// Read before loading from PostgreSQL; pass to store().
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  void store(std::int64_t app_id, const std::string& name, Entry entry, std::uint64_t generation);
  /// Drops the app's entries on this node only.
  void invalidate_app(std::int64_t app_id);
  /// Drops every entry on this node (after a bus outage: invalidations may have been lost).
  void invalidate_all();
  /// Drops the app's entries here and, through the broadcast hook, on every node.
  void invalidate_everywhere(std::int64_t app_id);
  /// How invalidate_everywhere reaches the other nodes (set by the Server).
  void set_broadcast(std::function<void(std::int64_t app_id)> broadcast);

  std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Cached {
    Entry entry;
    std::chrono::steady_clock::time_point expires;
  };
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::map<std::pair<std::int64_t, std::string>, Cached> entries_;
  std::function<void(std::int64_t)> broadcast_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> hits_{0}, misses_{0};
};

/// This process's cache (one per node).
ChannelTypeCache& channel_type_cache();

}  // namespace parley::chat
