// append_message_json writes the same object as message_json (the JSON tree
// every other path renders), and append_json_string escapes what JSON needs.
#include "parley/chat/message_render.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/json_text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

parley::storage::MessageRow sample() {
  parley::storage::MessageRow m;
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

nlohmann::json expected(const parley::storage::MessageRow& m, const nlohmann::json& counts, const nlohmann::json& own) {
  auto j = parley::chat::message_json(m, "messaging:general");
  j["reaction_counts"] = counts;
  j["own_reactions"] = own;
  return j;
}

}  // namespace

TEST(MessageRender, WritesTheSameObjectAsTheJsonTree) {
  const nlohmann::json counts = {{"like", 2}, {"wow", 1}};
  const nlohmann::json own = nlohmann::json::array({{{"type", "like"}, {"score", 1}, {"user", {{"id", "alice"}}}}});
  for (bool deleted : {false, true}) {
    for (bool reply : {false, true}) {
      auto m = sample();
      if (deleted) m.deleted_at = "2026-12-07T11:00:00.000Z";
      if (reply) m.parent_id = "parent-\"1\"";
      std::string out;
      parley::chat::append_message_json(out, m, "messaging:general", counts.dump(), own.dump());
      const auto parsed = nlohmann::json::parse(out);  // throws on invalid JSON
      EXPECT_EQ(parsed, expected(m, counts, own)) << out;
    }
  }
}

TEST(MessageRender, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out;
  parley::protocol::append_json_string(out, std::string("a\"b\\c\nd\x01\x1f\x7f\xc3\xa9", 12));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001\\u001f\x7f\xc3\xa9\"");
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), std::string("a\"b\\c\nd\x01\x1f\x7f\xc3\xa9", 12));
  out.clear();
  parley::protocol::append_json_string(out, "");
  EXPECT_EQ(out, "\"\"");
}
