#include "parley/chat/channel_policy.hpp"
#include "parley/chat/message_rules.hpp"
#include "parley/protocol/ids.hpp"

#include <gtest/gtest.h>

using namespace parley;

TEST(Ids, FollowTheContract) {
  EXPECT_TRUE(protocol::is_valid_user_id("a@b.c-d_e!"));
  EXPECT_FALSE(protocol::is_valid_user_id(""));
  EXPECT_FALSE(protocol::is_valid_user_id(std::string(65, 'a')));
  EXPECT_TRUE(protocol::is_valid_user_id(std::string(64, 'a')));
  EXPECT_FALSE(protocol::is_valid_user_id("a b"));
  EXPECT_FALSE(protocol::is_valid_user_id("a:b"));
  EXPECT_TRUE(protocol::is_valid_channel_type("my-type_2"));
  EXPECT_FALSE(protocol::is_valid_channel_type("Upper"));
  EXPECT_FALSE(protocol::is_valid_channel_type(std::string(33, 'a')));
  EXPECT_TRUE(protocol::is_valid_message_id("abc-DEF_123"));
  EXPECT_FALSE(protocol::is_valid_message_id("a.b"));
  EXPECT_EQ(protocol::utf8_length("h\xc3\xa9llo"), 5u);
}

TEST(ChannelPolicy, MessagingIsMembersOnly) {
  const auto& m = *chat::builtin_channel_type("messaging");
  EXPECT_FALSE(chat::is_allowed(m, {false, "user", ""}, chat::kReadChannel));
  EXPECT_FALSE(chat::is_allowed(m, {false, "user", ""}, chat::kSendMessage));
  EXPECT_TRUE(chat::is_allowed(m, {false, "user", "member"}, chat::kSendMessage));
  EXPECT_FALSE(chat::is_allowed(m, {false, "user", "member"}, "delete_any_message"));
  EXPECT_TRUE(chat::is_allowed(m, {false, "user", "moderator"}, "delete_any_message"));
  EXPECT_FALSE(chat::is_allowed(m, {false, "user", "moderator"}, "delete_channel"));
  EXPECT_TRUE(chat::is_allowed(m, {false, "user", "owner"}, "delete_channel"));
  EXPECT_TRUE(chat::is_allowed(m, {false, "admin", ""}, "delete_channel"));
  EXPECT_TRUE(chat::is_allowed(m, {true, "user", ""}, "anything"));
}

TEST(ChannelPolicy, LivestreamIsOpenToUsers) {
  const auto& l = *chat::builtin_channel_type("livestream");
  EXPECT_TRUE(chat::is_allowed(l, {false, "user", ""}, chat::kReadChannel));
  EXPECT_TRUE(chat::is_allowed(l, {false, "user", ""}, chat::kSendMessage));
  EXPECT_FALSE(chat::is_allowed(l, {false, "user", ""}, "update_channel"));
  EXPECT_EQ(chat::builtin_channel_type("custom"), nullptr);
}

TEST(MessageRules, IdempotencyHashSeesEveryClientField) {
  chat::Caller alice{1, false, "alice", "user"};
  auto draft = [&](const nlohmann::json& body) { return std::get<chat::MessageDraft>(chat::validate_message(body, alice)); };
  const auto base = chat::message_content_hash(draft({{"text", "hi"}}), "messaging:a");
  EXPECT_EQ(base, chat::message_content_hash(draft({{"text", "hi"}}), "messaging:a"));
  EXPECT_NE(base, chat::message_content_hash(draft({{"text", "hi"}}), "messaging:b"));
  EXPECT_NE(base, chat::message_content_hash(draft({{"text", "hi!"}}), "messaging:a"));
  EXPECT_NE(base, chat::message_content_hash(draft({{"text", "hi"}, {"silent", true}}), "messaging:a"));
  EXPECT_NE(base, chat::message_content_hash(draft({{"text", "hi"}, {"custom", {{"k", 1}}}}), "messaging:a"));
}

TEST(MessageRules, ServerTokensMustNameTheSender) {
  chat::Caller server{1, true, "", "user"};
  EXPECT_TRUE(std::holds_alternative<protocol::ApiError>(chat::validate_message({{"text", "x"}}, server)));
  auto ok = chat::validate_message({{"text", "x"}, {"user_id", "bob"}}, server);
  ASSERT_TRUE(std::holds_alternative<chat::MessageDraft>(ok));
  EXPECT_EQ(std::get<chat::MessageDraft>(ok).user_id, "bob");
  chat::Caller alice{1, false, "alice", "user"};
  auto spoof = chat::validate_message({{"text", "x"}, {"user_id", "bob"}}, alice);
  EXPECT_EQ(std::get<chat::MessageDraft>(spoof).user_id, "alice") << "a user cannot send as someone else";
}
