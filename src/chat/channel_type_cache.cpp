#include "parley/chat/channel_type_cache.hpp"

namespace parley::chat {

std::optional<ChannelTypeCache::Entry> ChannelTypeCache::lookup(std::int64_t app_id, const std::string& name) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto it = entries_.find({app_id, name});
  if (it == entries_.end() || it->second.expires <= now) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second.entry;
}

void ChannelTypeCache::store(std::int64_t app_id, const std::string& name, Entry entry, std::uint64_t generation) {
  std::lock_guard lock(mutex_);
  // Checked under the lock that invalidations take: a fill that started before one is dropped.
  if (generation != generation_.load(std::memory_order_acquire)) return;
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[{app_id, name}] = Cached{std::move(entry), std::chrono::steady_clock::now() + ttl_};
}

void ChannelTypeCache::invalidate_app(std::int64_t app_id) {
  std::lock_guard lock(mutex_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  auto it = entries_.lower_bound({app_id, std::string()});
  while (it != entries_.end() && it->first.first == app_id) it = entries_.erase(it);
}

void ChannelTypeCache::invalidate_all() {
  std::lock_guard lock(mutex_);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  entries_.clear();
}

void ChannelTypeCache::invalidate_everywhere(std::int64_t app_id) {
  invalidate_app(app_id);
  std::function<void(std::int64_t)> broadcast;
  {
    std::lock_guard lock(mutex_);
    broadcast = broadcast_;
  }
  if (broadcast) broadcast(app_id);
}

void ChannelTypeCache::set_broadcast(std::function<void(std::int64_t)> broadcast) {
  std::lock_guard lock(mutex_);
  broadcast_ = std::move(broadcast);
}

ChannelTypeCache& channel_type_cache() {
  static ChannelTypeCache cache;
  return cache;
}

}  // namespace parley::chat
