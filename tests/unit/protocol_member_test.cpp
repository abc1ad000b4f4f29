// protocol::Member and protocol::Membership render the objects API.md shows: the member
// object of member pages and events, its two views in a channel state, and the caller's membership.
#include "parley/protocol/member.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

parley::protocol::Member sample_member() { return {"alice@example.com", "moderator", 17, "2026-12-07T10:00:00.000Z"}; }

}  // namespace

TEST(ProtocolMember, MemberObject) {
  const nlohmann::json expected = {{"user_id", "alice@example.com"},
                                   {"role", "moderator"},
                                   {"last_read_seq", 17},
                                   {"created_at", "2026-12-07T10:00:00.000Z"}};
  EXPECT_EQ(parley::protocol::to_json(sample_member()), expected);
}

TEST(ProtocolMember, ChannelStateViews) {
  const auto m = sample_member();
  const nlohmann::json member = {
      {"user_id", "alice@example.com"}, {"role", "moderator"}, {"created_at", "2026-12-07T10:00:00.000Z"}};
  const nlohmann::json read = {{"user_id", "alice@example.com"}, {"last_read_seq", 17}};
  EXPECT_EQ(parley::protocol::state_member_json(m), member);
  EXPECT_EQ(parley::protocol::read_mark_json(m), read);
}

TEST(ProtocolMember, MembershipObject) {
  const parley::protocol::Membership m{"bob", "owner", 3, "2026-12-07T10:00:00.000Z", true, false};
  const nlohmann::json expected = {{"user_id", "bob"},   {"role", "owner"},
                                   {"last_read_seq", 3}, {"created_at", "2026-12-07T10:00:00.000Z"},
                                   {"muted", true},      {"hidden", false}};
  EXPECT_EQ(parley::protocol::to_json(m), expected);
}
