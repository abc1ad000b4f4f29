// The results and events of message and reaction changes, compared with the
// objects written by hand as API.md describes them.
#include "parley/protocol/message_events.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;
namespace protocol = parley::protocol;

protocol::Message sample() {
  protocol::Message m;
  m.id = "m-1";
  m.cid = "messaging:general";
  m.seq = 7;
  m.type = "regular";
  m.user_id = "alice";
  m.text = "hello \"there\"\n";
  m.attachments_json = R"([{"type": "image", "url": "https://x/y.png"}])";
  m.mentioned_users_json = R"(["bob"])";
  m.reaction_counts_json = R"({"like": 2})";
  m.custom_json = R"({"k": [1, null]})";
  m.created_at = "2026-12-07T10:00:00.000Z";
  m.updated_at = "2026-12-07T10:00:05.000Z";
  return m;
}

protocol::Reaction reaction() {
  return {"m-1", "bob", "like", 1, "2026-12-07T10:01:00.000Z", "2026-12-07T10:02:00.000Z"};
}

// The message object of sample(), written by hand.
json message_object() {
  return {{"id", "m-1"},
          {"cid", "messaging:general"},
          {"seq", 7},
          {"type", "regular"},
          {"user", {{"id", "alice"}}},
          {"text", "hello \"there\"\n"},
          {"attachments", json::array({{{"type", "image"}, {"url", "https://x/y.png"}}})},
          {"parent_id", nullptr},
          {"show_in_channel", false},
          {"reply_count", 0},
          {"mentioned_users", {"bob"}},
          {"reaction_counts", {{"like", 2}}},
          {"own_reactions", json::array()},
          {"pinned", false},
          {"silent", false},
          {"custom", {{"k", {1, nullptr}}}},
          {"created_at", "2026-12-07T10:00:00.000Z"},
          {"updated_at", "2026-12-07T10:00:05.000Z"},
          {"deleted_at", nullptr}};
}

json reaction_object() {
  return {{"message_id", "m-1"},
          {"user_id", "bob"},
          {"user", {{"id", "bob"}}},
          {"type", "like"},
          {"score", 1},
          {"created_at", "2026-12-07T10:01:00.000Z"},
          {"updated_at", "2026-12-07T10:02:00.000Z"}};
}

}  // namespace

TEST(ProtocolMessageEvents, RendersTheResults) {
  EXPECT_EQ(protocol::message_result(sample()), json({{"message", message_object()}}));
  EXPECT_EQ(protocol::reaction_result(sample(), reaction()),
            json({{"message", message_object()}, {"reaction", reaction_object()}}));
  EXPECT_EQ(protocol::message_page({sample(), sample()}, true),
            json({{"messages", {message_object(), message_object()}}, {"has_more", true}}));
  EXPECT_EQ(protocol::message_page({}, false), json({{"messages", json::array()}, {"has_more", false}}));
}

TEST(ProtocolMessageEvents, RendersMessageNewAndItsNotificationAsJsonText) {
  const json event = json::parse(protocol::message_new_event("messaging:general", 7, sample()));
  EXPECT_EQ(event, json({{"type", "message.new"},
                         {"cid", "messaging:general"},
                         {"seq", 7},
                         {"message", message_object()},
                         {"created_at", "2026-12-07T10:00:00.000Z"}}));
  const json notification = json::parse(protocol::message_new_notification("messaging:general", sample()));
  EXPECT_EQ(notification, json({{"type", "notification.message_new"},
                                {"cid", "messaging:general"},
                                {"message", message_object()},
                                {"created_at", "2026-12-07T10:00:00.000Z"}}));
  EXPECT_FALSE(notification.contains("seq"));
  // The same bytes as the frame read back from the event log (re-serialized compactly, keys sorted).
  const std::string text = protocol::message_new_event("messaging:general", 7, sample());
  EXPECT_EQ(text, json::parse(text).dump());
}

TEST(ProtocolMessageEvents, RendersMessageUpdatedAndDeleted) {
  EXPECT_EQ(protocol::message_updated_event("messaging:general", 8, sample()),
            json({{"type", "message.updated"},
                  {"cid", "messaging:general"},
                  {"seq", 8},
                  {"message", message_object()},
                  {"created_at", "2026-12-07T10:00:05.000Z"}}));
  auto deleted = sample();
  deleted.type = "deleted";
  deleted.deleted_at = "2026-12-07T10:00:09.000Z";
  deleted.updated_at = "2026-12-07T10:00:09.000Z";
  auto object = message_object();
  object["type"] = "deleted";
  object["text"] = "";
  object["deleted_at"] = "2026-12-07T10:00:09.000Z";
  object["updated_at"] = "2026-12-07T10:00:09.000Z";
  for (bool hard : {false, true}) {
    EXPECT_EQ(protocol::message_deleted_event("messaging:general", 9, deleted, hard),
              json({{"type", "message.deleted"},
                    {"cid", "messaging:general"},
                    {"seq", 9},
                    {"message", object},
                    {"created_at", "2026-12-07T10:00:09.000Z"},
                    {"hard_delete", hard}}));
  }
}

TEST(ProtocolMessageEvents, RendersReactionEvents) {
  for (const char* type : {"reaction.new", "reaction.updated", "reaction.deleted"}) {
    EXPECT_EQ(protocol::reaction_event(type, "messaging:general", 10, sample(), reaction()),
              json({{"type", type},
                    {"cid", "messaging:general"},
                    {"seq", 10},
                    {"message", message_object()},
                    {"reaction", reaction_object()},
                    {"user", {{"id", "bob"}}},
                    {"created_at", "2026-12-07T10:02:00.000Z"}}));
  }
}

TEST(ProtocolMessageEvents, RendersChannelUpdated) {
  protocol::Channel c;
  c.type = "messaging";
  c.id = "general";
  c.name = "General";
  c.custom_json = R"({"topic": "x"})";
  c.last_seq = 11;
  c.created_at = "2026-12-07T09:00:00.000Z";
  c.updated_at = "2026-12-07T10:03:00.000Z";
  const json channel = {{"cid", "messaging:general"},
                        {"type", "messaging"},
                        {"id", "general"},
                        {"name", "General"},
                        {"custom", {{"topic", "x"}}},
                        {"created_by", nullptr},
                        {"frozen", false},
                        {"cooldown_s", 0},
                        {"last_seq", 11},
                        {"created_at", "2026-12-07T09:00:00.000Z"},
                        {"updated_at", "2026-12-07T10:03:00.000Z"},
                        {"last_message_at", nullptr}};
  EXPECT_EQ(protocol::channel_result(c), json({{"channel", channel}}));
  EXPECT_EQ(protocol::channel_updated_event(c, 12), json({{"type", "channel.updated"},
                                                          {"cid", "messaging:general"},
                                                          {"seq", 12},
                                                          {"channel", channel},
                                                          {"created_at", "2026-12-07T10:03:00.000Z"}}));
}

TEST(ProtocolMessageEvents, SetsTheReactionsOfARenderedMessage) {
  auto m = sample();
  m.parent_id = "p-1";
  m.own_reactions_json = protocol::reactions_json({reaction()});
  auto object = protocol::to_json(m);
  EXPECT_EQ(object["own_reactions"], json::parse(protocol::reactions_json({reaction()})));
  protocol::set_reactions(object, R"({"wow": 1})", "[]");
  EXPECT_EQ(object["reaction_counts"], json({{"wow", 1}}));
  EXPECT_EQ(object["own_reactions"], json::array());
}
