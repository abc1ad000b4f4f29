// MemberRoleCache: roles and "not a member" per channel, invalidation of a
// whole channel (here and through the broadcast hook), fills that raced with
// an invalidation, and MembershipChange's invalidation when its scope ends.
#include "parley/chat/member_role_cache.hpp"

#include <gtest/gtest.h>

#include <vector>

using parley::chat::MemberRoleCache;

TEST(MemberRoleCache, CachesRolesAndNonMembersPerChannel) {
  MemberRoleCache cache;
  cache.store(7, "alice", std::string("owner"), cache.generation());
  cache.store(7, "carol", std::nullopt, cache.generation());  // not a member
  cache.store(8, "alice", std::string("member"), cache.generation());
  ASSERT_TRUE(cache.lookup(7, "alice").has_value());
  EXPECT_EQ(*cache.lookup(7, "alice").value(), "owner");
  ASSERT_TRUE(cache.lookup(7, "carol").has_value());
  EXPECT_FALSE(cache.lookup(7, "carol")->has_value());
  EXPECT_EQ(*cache.lookup(8, "alice").value(), "member") << "roles are per channel";
  EXPECT_FALSE(cache.lookup(9, "alice").has_value());
}

TEST(MemberRoleCache, InvalidatingAChannelDropsAllItsEntriesAndRacingFills) {
  MemberRoleCache cache;
  std::vector<std::int64_t> broadcast;
  cache.set_broadcast([&](std::int64_t pk) { broadcast.push_back(pk); });
  cache.store(7, "alice", std::string("owner"), cache.generation());
  cache.store(7, "bob", std::string("member"), cache.generation());
  cache.store(8, "bob", std::string("member"), cache.generation());
  const auto before = cache.generation();  // a fill that read the role before the change...
  cache.invalidate_channel_everywhere(7);
  cache.store(7, "bob", std::string("moderator"), before);  // ...is not stored after it
  EXPECT_FALSE(cache.lookup(7, "alice").has_value());
  EXPECT_FALSE(cache.lookup(7, "bob").has_value());
  EXPECT_TRUE(cache.lookup(8, "bob").has_value()) << "other channels keep their entries";
  EXPECT_EQ(broadcast, std::vector<std::int64_t>{7});
  cache.invalidate_channel(8);  // another node's change: not broadcast again
  EXPECT_FALSE(cache.lookup(8, "bob").has_value());
  EXPECT_EQ(broadcast.size(), 1u);
}

TEST(MemberRoleCache, AMembershipChangeInvalidatesItsChannelsWhenItsScopeEnds) {
  auto& cache = parley::chat::member_role_cache();
  cache.set_enabled(true);
  std::vector<std::int64_t> broadcast;
  cache.set_broadcast([&](std::int64_t pk) { broadcast.push_back(pk); });
  cache.store(101, "alice", std::string("owner"), cache.generation());
  cache.store(102, "alice", std::string("member"), cache.generation());
  {
    parley::chat::MembershipChange change;
    change.add(101);
    change.add(102);
    // Inside the (would-be) transaction a fill may read uncommitted rows: it must not outlive the scope.
    cache.store(101, "bob", std::string("moderator"), cache.generation());
    EXPECT_TRUE(cache.lookup(101, "alice").has_value());
  }
  EXPECT_FALSE(cache.lookup(101, "alice").has_value());
  EXPECT_FALSE(cache.lookup(101, "bob").has_value());
  EXPECT_FALSE(cache.lookup(102, "alice").has_value());
  EXPECT_EQ(broadcast, (std::vector<std::int64_t>{101, 102}));
  cache.set_broadcast(nullptr);
}
