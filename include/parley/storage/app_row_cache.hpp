#pragma once
// AppRowCache<V>: a per-node cache of rows keyed by (app, name), for state
// that is read on every request and changes rarely (channel types, users'
// auth state). The rules every such cache needs, in one place:
//
// - bounded: past max_entries it is emptied and refills on demand;
// - entries live `ttl` at most;
// - fills carry the generation they started at, and a fill that raced with
//   an invalidation is not stored (the row it read may be older than the
//   change that invalidated);
// - while disabled (the bus that carries other nodes' invalidations is down)
//   every lookup misses and nothing is stored.
//
// Thread-safe (one mutex; every operation is short).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace parley::storage {

template <class V>
class AppRowCache {
 public:
  explicit AppRowCache(std::chrono::milliseconds ttl, std::size_t max_entries = 10000)
      : ttl_(ttl), max_entries_(max_entries) {}

  /// The cached value, or nullopt on a miss (absent, expired or disabled).
  std::optional<V> lookup(std::int64_t app_id, const std::string& name) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    auto it = entries_.find({app_id, name});
    if (!enabled_ || it == entries_.end() || it->second.expires <= now) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    hits_.fetch_add(1, std::memory_order_relaxed);
    return it->second.value;
  }

  /// Read before loading from PostgreSQL; pass to store().
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  void store(std::int64_t app_id, const std::string& name, V value, std::uint64_t generation) {
    std::lock_guard lock(mutex_);
    // Checked under the lock that invalidations take: a fill that started before one is dropped.
    if (!enabled_ || generation != generation_.load(std::memory_order_acquire)) return;
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_[{app_id, name}] = Cached{std::move(value), std::chrono::steady_clock::now() + ttl_};
  }

  void invalidate(std::int64_t app_id, const std::string& name) {
    std::lock_guard lock(mutex_);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    entries_.erase({app_id, name});
  }

  void invalidate_app(std::int64_t app_id) {
    std::lock_guard lock(mutex_);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    auto it = entries_.lower_bound({app_id, std::string()});
    while (it != entries_.end() && it->first.first == app_id) it = entries_.erase(it);
  }

  void invalidate_all() {
    std::lock_guard lock(mutex_);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    entries_.clear();
  }

  /// Disabling empties the cache; it stays empty until enabled again.
  void set_enabled(bool enabled) {
    std::lock_guard lock(mutex_);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    enabled_ = enabled;
    entries_.clear();
  }

  bool enabled() const {
    std::lock_guard lock(mutex_);
    return enabled_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }
  std::size_t max_entries() const { return max_entries_; }
  std::uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct Cached {
    V value;
    std::chrono::steady_clock::time_point expires;
  };
  const std::chrono::milliseconds ttl_;
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  bool enabled_ = true;
  std::map<std::pair<std::int64_t, std::string>, Cached> entries_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> hits_{0}, misses_{0};
};

/// How a cache's invalidation reaches the other nodes (set once by the Server, called from any thread).
template <class... Args>
class BroadcastHook {
 public:
  void set(std::function<void(Args...)> broadcast) {
    std::lock_guard lock(mutex_);
    broadcast_ = std::move(broadcast);
  }
  /// Calls the hook, if set, outside the lock.
  void operator()(const Args&... args) const {
    std::function<void(Args...)> broadcast;
    {
      std::lock_guard lock(mutex_);
      broadcast = broadcast_;
    }
    if (broadcast) broadcast(args...);
  }

 private:
  mutable std::mutex mutex_;
  std::function<void(Args...)> broadcast_;
};

}  // namespace parley::storage
