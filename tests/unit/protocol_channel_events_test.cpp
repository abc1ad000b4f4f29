// The channel endpoints' bodies and the channel / member / notification events written by
// protocol/channel_events, compared with the objects written out by hand as API.md shows them.
#include "parley/protocol/channel_events.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace protocol = parley::protocol;

const char* const kCreated = "2026-12-07T10:00:00.000Z";
const char* const kUpdated = "2026-12-07T10:05:00.000Z";
const char* const kNow = "2026-12-07T11:00:00.000Z";

protocol::Channel sample_channel() {
  protocol::Channel c;
  c.type = "messaging";
  c.id = "general";
  c.name = "General";
  c.custom_json = R"({"topic": "all"})";
  c.created_by = "alice";
  c.cooldown_s = 5;
  c.last_seq = 9;
  c.created_at = kCreated;
  c.updated_at = kUpdated;
  return c;
}

nlohmann::json channel_object(std::int64_t last_seq = 9, const std::string& updated_at = kUpdated) {
  return {{"cid", "messaging:general"},
          {"type", "messaging"},
          {"id", "general"},
          {"name", "General"},
          {"custom", {{"topic", "all"}}},
          {"created_by", "alice"},
          {"frozen", false},
          {"cooldown_s", 5},
          {"last_seq", last_seq},
          {"created_at", kCreated},
          {"updated_at", updated_at},
          {"last_message_at", nullptr}};
}

protocol::ChannelState sample_state() {
  protocol::ChannelState s;
  s.channel = channel_object();
  s.members = {{"alice", "owner", 9, kCreated}, {"bob", "member", 4, kUpdated}};
  s.messages = nlohmann::json::array({{{"id", "m-1"}, {"seq", 8}}});
  return s;
}

nlohmann::json state_object() {
  return {{"channel", channel_object()},
          {"members",
           {{{"user_id", "alice"}, {"role", "owner"}, {"created_at", kCreated}},
            {{"user_id", "bob"}, {"role", "member"}, {"created_at", kUpdated}}}},
          {"messages", {{{"id", "m-1"}, {"seq", 8}}}},
          {"read", {{{"user_id", "alice"}, {"last_read_seq", 9}}, {{"user_id", "bob"}, {"last_read_seq", 4}}}}};
}

nlohmann::json member_object() {
  return {{"user_id", "bob"}, {"role", "member"}, {"last_read_seq", 4}, {"created_at", kUpdated}};
}

}  // namespace

TEST(ProtocolChannelEvents, ChannelState) {
  EXPECT_EQ(protocol::to_json(sample_state()), state_object());
  EXPECT_EQ(protocol::to_json(protocol::ChannelState{}), (nlohmann::json{{"channel", nullptr},
                                                                         {"members", nlohmann::json::array()},
                                                                         {"messages", nlohmann::json::array()},
                                                                         {"read", nlohmann::json::array()}}));
}

TEST(ProtocolChannelEvents, ChannelListPage) {
  const protocol::Membership own{"alice", "owner", 9, kCreated, false, true};
  auto expected_state = state_object();
  expected_state["unread_count"] = 2;
  expected_state["membership"] = {{"user_id", "alice"},     {"role", "owner"}, {"last_read_seq", 9},
                                  {"created_at", kCreated}, {"muted", false},  {"hidden", true}};
  EXPECT_EQ(protocol::channel_list_page({{sample_state(), 2, own}}, std::string("6c3a")),
            (nlohmann::json{{"channels", {expected_state}}, {"next", "6c3a"}}));
  EXPECT_EQ(protocol::channel_list_page({}, std::nullopt),
            (nlohmann::json{{"channels", nlohmann::json::array()}, {"next", nullptr}}));
}

TEST(ProtocolChannelEvents, MemberBodies) {
  const std::vector<protocol::Member> members = {{"bob", "member", 4, kUpdated}};
  EXPECT_EQ(protocol::members_page(members, std::string("bob")),
            (nlohmann::json{{"members", {member_object()}}, {"next", "bob"}}));
  EXPECT_EQ(protocol::members_page({}, std::nullopt),
            (nlohmann::json{{"members", nlohmann::json::array()}, {"next", nullptr}}));
  EXPECT_EQ(protocol::members_result(members, 12), (nlohmann::json{{"members", {member_object()}}, {"last_seq", 12}}));
}

TEST(ProtocolChannelEvents, DeleteTruncateAndMembershipResults) {
  auto deleted = channel_object();
  deleted["deleted_at"] = kNow;
  EXPECT_EQ(protocol::deleted_channel_json(sample_channel(), kNow), deleted);
  EXPECT_EQ(protocol::delete_result(deleted, false), (nlohmann::json{{"channel", deleted}, {"hard_delete", false}}));
  const nlohmann::json purged = {
      {"cid", "messaging:general"}, {"type", "messaging"}, {"id", "general"}, {"deleted_at", kNow}};
  EXPECT_EQ(protocol::purged_channel_json("messaging", "general", kNow), purged);
  EXPECT_EQ(protocol::truncate_result(sample_channel(), 7),
            (nlohmann::json{{"channel", channel_object()}, {"removed_messages", 7}}));
  const protocol::Membership m{"bob", "member", 4, kUpdated, true, false};
  EXPECT_EQ(protocol::membership_result("messaging:general", m), (nlohmann::json{{"cid", "messaging:general"},
                                                                                 {"membership",
                                                                                  {{"user_id", "bob"},
                                                                                   {"role", "member"},
                                                                                   {"last_read_seq", 4},
                                                                                   {"created_at", kUpdated},
                                                                                   {"muted", true},
                                                                                   {"hidden", false}}}}));
}

TEST(ProtocolChannelEvents, ChannelEvents) {
  auto c = sample_channel();
  c.updated_at = kNow;
  c.last_seq = 10;
  auto deleted = channel_object(10, kNow);
  deleted["deleted_at"] = kNow;
  EXPECT_EQ(protocol::channel_deleted_event(c, 10, kNow), (nlohmann::json{{"type", "channel.deleted"},
                                                                          {"cid", "messaging:general"},
                                                                          {"seq", 10},
                                                                          {"channel", deleted},
                                                                          {"created_at", kNow}}));
  EXPECT_EQ(protocol::channel_truncated_event(c, 10), (nlohmann::json{{"type", "channel.truncated"},
                                                                      {"cid", "messaging:general"},
                                                                      {"seq", 10},
                                                                      {"channel", channel_object(10, kNow)},
                                                                      {"created_at", kNow}}));
  for (const char* type : {"member.added", "member.updated", "member.removed"}) {
    EXPECT_EQ(protocol::member_event(type, "messaging:general", 11, {"bob", "member", 4, kUpdated}, kNow),
              (nlohmann::json{{"type", type},
                              {"cid", "messaging:general"},
                              {"seq", 11},
                              {"member", member_object()},
                              {"created_at", kNow}}));
  }
}

TEST(ProtocolChannelEvents, Notifications) {
  const auto channel = channel_object();
  EXPECT_EQ(nlohmann::json::parse(protocol::added_to_channel_notification(channel, member_object(), kNow)),
            (nlohmann::json{{"type", "notification.added_to_channel"},
                            {"cid", "messaging:general"},
                            {"channel", channel},
                            {"member", member_object()},
                            {"created_at", kNow}}));
  EXPECT_EQ(nlohmann::json::parse(protocol::removed_from_channel_notification(channel, "bob", kNow)),
            (nlohmann::json{{"type", "notification.removed_from_channel"},
                            {"cid", "messaging:general"},
                            {"channel", channel},
                            {"member", {{"user_id", "bob"}}},
                            {"created_at", kNow}}));
  EXPECT_EQ(nlohmann::json::parse(protocol::mark_read_notification({"messaging:general", "bob", 9, 0, 3, 1}, kNow)),
            (nlohmann::json{{"type", "notification.mark_read"},
                            {"cid", "messaging:general"},
                            {"user", {{"id", "bob"}}},
                            {"last_read_seq", 9},
                            {"unread_count", 0},
                            {"total_unread_count", 3},
                            {"unread_channels", 1},
                            {"created_at", kNow}}));
}

TEST(ProtocolChannelEvents, HistoryPage) {
  protocol::Message m;
  m.id = "m-1";
  m.cid = "messaging:general";
  m.seq = 8;
  m.type = "regular";
  m.user_id = "alice";
  m.text = "hi \"there\"";
  m.reaction_counts_json = R"({"like":1})";
  m.created_at = kCreated;
  m.updated_at = kCreated;
  const auto text = protocol::history_page({m, m}, true);
  EXPECT_EQ(nlohmann::json::parse(text),
            (nlohmann::json{{"messages", {protocol::to_json(m), protocol::to_json(m)}}, {"has_more", true}}));
  EXPECT_EQ(nlohmann::json::parse(protocol::history_page({}, false)),
            (nlohmann::json{{"messages", nlohmann::json::array()}, {"has_more", false}}));
}
