// protocol::append_json writes the same message object as protocol::to_json (the
// JSON tree every other path renders), and append_json_string escapes what JSON needs.
#include "parley/protocol/json_text.hpp"
#include "parley/protocol/message.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

parley::protocol::Message sample() {
  parley::protocol::Message m;
  m.cid = "messaging:general";
  m.id = "m-1";
  m.seq = 42;
  m.type = "regular";
  m.user_id = "alice@example.com";
  m.text = "quote \" backslash \\ newline \n tab \t bell \x07 unicode \xc3\xa9\xe2\x82\xac \xf0\x9f\x98\x80";
  m.attachments_json = R"([{"type": "image", "url": "https://x/y.png"}])";
  m.reply_count = 3;
  m.mentioned_users_json = R"(["bob"])";
  m.pinned = true;
  m.custom_json = R"({"k": [1, 2.5, null, "v"]})";
  m.created_at = "2026-12-07T10:00:00.000Z";
  m.updated_at = "2026-12-07T10:00:01.000Z";
  m.show_in_channel = true;
  return m;
}

// The object written by hand, field by field, as API.md shows a message.
nlohmann::json expected(const parley::protocol::Message& m, const nlohmann::json& counts, const nlohmann::json& own) {
  const bool deleted = m.deleted_at.has_value();
  return {{"id", m.id},
          {"cid", "messaging:general"},
          {"seq", 42},
          {"type", "regular"},
          {"user", {{"id", "alice@example.com"}}},
          {"text", deleted ? std::string() : m.text},
          {"attachments", nlohmann::json::parse(m.attachments_json)},
          {"parent_id", m.parent_id ? nlohmann::json(*m.parent_id) : nlohmann::json()},
          {"show_in_channel", true},
          {"reply_count", 3},
          {"mentioned_users", {"bob"}},
          {"reaction_counts", counts},
          {"own_reactions", own},
          {"pinned", true},
          {"silent", false},
          {"custom", nlohmann::json::parse(m.custom_json)},
          {"created_at", "2026-12-07T10:00:00.000Z"},
          {"updated_at", "2026-12-07T10:00:01.000Z"},
          {"deleted_at", deleted ? nlohmann::json(*m.deleted_at) : nlohmann::json()}};
}

}  // namespace

TEST(ProtocolMessage, WritesTheSameObjectAsTheJsonTree) {
  const nlohmann::json counts = {{"like", 2}, {"wow", 1}};
  const nlohmann::json own = nlohmann::json::array({{{"type", "like"}, {"score", 1}, {"user", {{"id", "alice"}}}}});
  for (bool deleted : {false, true}) {
    for (bool reply : {false, true}) {
      auto m = sample();
      if (deleted) m.deleted_at = "2026-12-07T11:00:00.000Z";
      if (reply) m.parent_id = "parent-\"1\"";
      m.reaction_counts_json = counts.dump();
      m.own_reactions_json = own.dump();
      std::string out;
      parley::protocol::append_json(out, m);
      const auto parsed = nlohmann::json::parse(out);  // throws on invalid JSON
      EXPECT_EQ(parsed, expected(m, counts, own)) << out;
      EXPECT_EQ(parley::protocol::to_json(m), parsed);
    }
  }
}

TEST(ProtocolMessage, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out;
  parley::protocol::append_json_string(out, std::string("a\"b\\c\nd\x01\x1f\x7f\xc3\xa9", 12));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001\\u001f\x7f\xc3\xa9\"");
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), std::string("a\"b\\c\nd\x01\x1f\x7f\xc3\xa9", 12));
  out.clear();
  parley::protocol::append_json_string(out, "");
  EXPECT_EQ(out, "\"\"");
}
