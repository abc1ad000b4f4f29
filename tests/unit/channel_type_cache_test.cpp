// ChannelTypeCache: hits and misses, per-app invalidation, fills that raced
// with an invalidation, expiry, the broadcast hook.
#include "parley/chat/channel_type_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

using parley::chat::ChannelTypeCache;
using parley::chat::ChannelTypeConfig;

namespace {

ChannelTypeCache::Entry type_named(const std::string& name) {
  auto t = std::make_shared<ChannelTypeConfig>();
  t->policy.name = name;
  return t;
}

}  // namespace

TEST(ChannelTypeCache, StoresHitsAndCountsMisses) {
  ChannelTypeCache cache;
  EXPECT_FALSE(cache.lookup(1, "support").has_value());
  cache.store(1, "support", type_named("support"), cache.generation());
  cache.store(1, "nope", nullptr, cache.generation());  // "no such type" is cached too
  auto hit = cache.lookup(1, "support");
  ASSERT_TRUE(hit.has_value());
  ASSERT_NE(*hit, nullptr);
  EXPECT_EQ((*hit)->policy.name, "support");
  auto negative = cache.lookup(1, "nope");
  ASSERT_TRUE(negative.has_value());
  EXPECT_EQ(*negative, nullptr);
  EXPECT_FALSE(cache.lookup(2, "support").has_value()) << "entries are per app";
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(ChannelTypeCache, InvalidatingAnAppDropsOnlyItsEntries) {
  ChannelTypeCache cache;
  for (std::int64_t app : {1, 2, 3}) cache.store(app, "t", type_named("t"), cache.generation());
  cache.invalidate_app(2);
  EXPECT_TRUE(cache.lookup(1, "t").has_value());
  EXPECT_FALSE(cache.lookup(2, "t").has_value());
  EXPECT_TRUE(cache.lookup(3, "t").has_value());
  cache.invalidate_all();
  EXPECT_FALSE(cache.lookup(1, "t").has_value());
  EXPECT_FALSE(cache.lookup(3, "t").has_value());
}

TEST(ChannelTypeCache, AFillThatStartedBeforeAnInvalidationIsNotStored) {
  ChannelTypeCache cache;
  const auto before = cache.generation();  // a reader starts loading the old row...
  cache.invalidate_app(7);                  // ...the type changes meanwhile...
  cache.store(7, "t", type_named("old"), before);  // ...and the stale row must not stick
  EXPECT_FALSE(cache.lookup(7, "t").has_value());
  cache.store(7, "t", type_named("new"), cache.generation());
  ASSERT_TRUE(cache.lookup(7, "t").has_value());
  EXPECT_EQ((*cache.lookup(7, "t"))->policy.name, "new");
}

TEST(ChannelTypeCache, EntriesExpire) {
  ChannelTypeCache cache(std::chrono::milliseconds(30));
  cache.store(1, "t", type_named("t"), cache.generation());
  EXPECT_TRUE(cache.lookup(1, "t").has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_FALSE(cache.lookup(1, "t").has_value());
}

TEST(ChannelTypeCache, IsBounded) {
  ChannelTypeCache cache;
  for (std::size_t i = 0; i <= ChannelTypeCache::kMaxEntries; ++i) {
    cache.store(1, "t" + std::to_string(i), nullptr, cache.generation());
  }
  // The store past the bound emptied the cache and kept only the newest entry.
  EXPECT_FALSE(cache.lookup(1, "t0").has_value());
  EXPECT_TRUE(cache.lookup(1, "t" + std::to_string(ChannelTypeCache::kMaxEntries)).has_value());
}

TEST(ChannelTypeCache, InvalidateEverywhereCallsTheBroadcastHook) {
  ChannelTypeCache cache;
  std::vector<std::int64_t> sent;
  cache.set_broadcast([&sent](std::int64_t app) { sent.push_back(app); });
  cache.store(4, "t", type_named("t"), cache.generation());
  cache.invalidate_everywhere(4);
  EXPECT_FALSE(cache.lookup(4, "t").has_value());
  EXPECT_EQ(sent, std::vector<std::int64_t>{4});
}
