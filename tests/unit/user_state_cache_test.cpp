// UserStateCache: the disabled state (bus down), per-user invalidation, the
// broadcast hook and the bus form of an invalidation.
#include "parley/auth/user_state_cache.hpp"

#include <gtest/gtest.h>

using parley::auth::UserStateCache;
using parley::storage::UserAuthState;

namespace {

UserStateCache::Entry role(const std::string& r) {
  UserAuthState s;
  s.role = r;
  return s;
}

}  // namespace

TEST(UserStateCache, CachesKnownAndUnknownUsersPerApp) {
  UserStateCache cache;
  cache.store(1, "alice", role("admin"), cache.generation());
  cache.store(1, "ghost", std::nullopt, cache.generation());  // no row: cached as "accept as user"
  auto alice = cache.lookup(1, "alice");
  ASSERT_TRUE(alice.has_value());
  ASSERT_TRUE(alice->has_value());
  EXPECT_EQ((*alice)->role, "admin");
  auto ghost = cache.lookup(1, "ghost");
  ASSERT_TRUE(ghost.has_value());
  EXPECT_FALSE(ghost->has_value());
  EXPECT_FALSE(cache.lookup(2, "alice").has_value()) << "entries are per app";
}

TEST(UserStateCache, WhileDisabledEveryLookupMissesAndNothingIsStored) {
  UserStateCache cache;
  cache.store(1, "alice", role("user"), cache.generation());
  cache.set_enabled(false);
  EXPECT_FALSE(cache.enabled());
  EXPECT_FALSE(cache.lookup(1, "alice").has_value()) << "disabling drops what was cached";
  cache.store(1, "alice", role("user"), cache.generation());
  EXPECT_FALSE(cache.lookup(1, "alice").has_value()) << "no fills while disabled";
  EXPECT_EQ(cache.size(), 0u);
  const auto before = cache.generation();
  cache.set_enabled(true);
  cache.store(1, "alice", role("user"), before);
  EXPECT_FALSE(cache.lookup(1, "alice").has_value()) << "a fill that started while disabled is dropped";
  cache.store(1, "alice", role("user"), cache.generation());
  EXPECT_TRUE(cache.lookup(1, "alice").has_value());
}

TEST(UserStateCache, InvalidatingAUserDropsOnlyThatUserAndReachesTheBroadcast) {
  UserStateCache cache;
  std::vector<std::pair<std::int64_t, std::vector<std::string>>> sent;
  cache.set_broadcast([&](std::int64_t app, const std::vector<std::string>& ids) { sent.emplace_back(app, ids); });
  for (const char* id : {"alice", "bob"}) cache.store(1, id, role("user"), cache.generation());
  cache.store(2, "alice", role("user"), cache.generation());
  const auto before = cache.generation();
  cache.invalidate_everywhere(1, {"alice"});
  EXPECT_FALSE(cache.lookup(1, "alice").has_value());
  EXPECT_TRUE(cache.lookup(1, "bob").has_value());
  EXPECT_TRUE(cache.lookup(2, "alice").has_value());
  cache.store(1, "alice", role("admin"), before);
  EXPECT_FALSE(cache.lookup(1, "alice").has_value()) << "a fill that raced with the change is not stored";
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].first, 1);
  EXPECT_EQ(sent[0].second, std::vector<std::string>{"alice"});
}

TEST(UserStateCache, InvalidationsRoundTripThroughTheirBusForm) {
  const std::vector<std::string> ids = {"alice", "b.o-b!", "user@example.com"};
  const auto text = parley::auth::encode_user_invalidation(42, ids);
  EXPECT_EQ(text, "42 alice b.o-b! user@example.com");
  std::int64_t app = 0;
  std::vector<std::string> back;
  ASSERT_TRUE(parley::auth::decode_user_invalidation(text, app, back));
  EXPECT_EQ(app, 42);
  EXPECT_EQ(back, ids);
  EXPECT_FALSE(parley::auth::decode_user_invalidation("42", app, back)) << "no users";
  EXPECT_FALSE(parley::auth::decode_user_invalidation("x alice", app, back)) << "no app id";
  EXPECT_FALSE(parley::auth::decode_user_invalidation("", app, back));
}
