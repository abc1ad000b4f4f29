// The user object and the bodies that carry it, compared with the objects of API.md written out by hand.
#include "parley/protocol/user.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using parley::protocol::User;

User sample() {
  User u;
  u.id = "alice@example.com";
  u.name = "Alice \"A\"";
  u.role = "admin";
  u.custom_json = R"({"team": ["red", 2]})";
  u.created_at = "2026-12-07T10:00:00.000Z";
  u.updated_at = "2026-12-07T10:00:01.000Z";
  u.deactivated = true;
  return u;
}

const nlohmann::json kAlice = {{"id", "alice@example.com"},
                               {"name", "Alice \"A\""},
                               {"image", nullptr},
                               {"role", "admin"},
                               {"custom", {{"team", {"red", 2}}}},
                               {"created_at", "2026-12-07T10:00:00.000Z"},
                               {"updated_at", "2026-12-07T10:00:01.000Z"},
                               {"deactivated", true}};

}  // namespace

TEST(ProtocolUser, RendersTheUserObject) {
  EXPECT_EQ(parley::protocol::to_json(sample()), kAlice);
  auto u = sample();
  u.name.reset();
  u.image = "https://x/a.png";
  auto expected = kAlice;
  expected["name"] = nullptr;
  expected["image"] = "https://x/a.png";
  EXPECT_EQ(parley::protocol::to_json(u), expected);
  EXPECT_EQ(parley::protocol::user_result(sample()), nlohmann::json({{"user", kAlice}}));
}

TEST(ProtocolUser, RendersUserListsAndPages) {
  auto bob = sample();
  bob.id = "bob";
  auto bob_json = kAlice;
  bob_json["id"] = "bob";
  EXPECT_EQ(parley::protocol::users_by_id({sample(), bob}),
            nlohmann::json({{"users", {{"alice@example.com", kAlice}, {"bob", bob_json}}}}));
  EXPECT_EQ(parley::protocol::user_page({sample(), bob}, std::nullopt),
            nlohmann::json({{"users", nlohmann::json::array({kAlice, bob_json})}}));
  EXPECT_EQ(parley::protocol::user_page({}, std::nullopt), nlohmann::json({{"users", nlohmann::json::array()}}));
  EXPECT_EQ(parley::protocol::user_page({sample()}, std::string("dTE6YWxpY2U")),
            nlohmann::json({{"users", nlohmann::json::array({kAlice})}, {"next", "dTE6YWxpY2U"}}));
}

TEST(ProtocolUser, RendersTheResultsOfUserAdministration) {
  auto soft = kAlice;
  soft["deleted_at"] = "2026-12-08T00:00:00.000Z";
  EXPECT_EQ(parley::protocol::soft_delete_result(sample(), "2026-12-08T00:00:00.000Z"),
            nlohmann::json({{"user", soft}, {"mode", "soft"}}));
  EXPECT_EQ(parley::protocol::hard_delete_result({"bob", "2026-12-08T00:00:00.000Z", 3, 2, 1}),
            nlohmann::json({{"user", {{"id", "bob"}, {"deleted_at", "2026-12-08T00:00:00.000Z"}}},
                            {"mode", "hard"},
                            {"messages_deleted", 3},
                            {"memberships_removed", 2},
                            {"reactions_removed", 1}}));
  EXPECT_EQ(parley::protocol::revoke_tokens_result("bob", std::string("2026-12-08T00:00:00.000Z")),
            nlohmann::json({{"user_id", "bob"}, {"revoke_tokens_before", "2026-12-08T00:00:00.000Z"}}));
  EXPECT_EQ(parley::protocol::revoke_tokens_result("bob", std::nullopt),
            nlohmann::json({{"user_id", "bob"}, {"revoke_tokens_before", nullptr}}));
}

TEST(ProtocolUser, RendersMe) {
  parley::protocol::Me me;
  me.id = "ghost";
  me.total_unread_count = 1234;
  me.unread_channels = 5;
  EXPECT_EQ(parley::protocol::me_result(me),
            nlohmann::json({{"user", {{"id", "ghost"}, {"total_unread_count", 1234}, {"unread_channels", 5}}},
                            {"total_unread_count", 1234},
                            {"unread_channels", 5}}));
  me.id = "alice";
  me.profile = parley::protocol::MeProfile{"Alice", std::nullopt, "user", R"({"k": 1})"};
  EXPECT_EQ(parley::protocol::me_result(me), nlohmann::json({{"user",
                                                              {{"id", "alice"},
                                                               {"name", "Alice"},
                                                               {"image", nullptr},
                                                               {"role", "user"},
                                                               {"custom", {{"k", 1}}},
                                                               {"total_unread_count", 1234},
                                                               {"unread_channels", 5}}},
                                                             {"total_unread_count", 1234},
                                                             {"unread_channels", 5}}));
}
