// protocol::to_json renders the reaction object as API.md shows it, and reactions_json
// an array of them (a message's own_reactions).
#include "parley/protocol/reaction.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

parley::protocol::Reaction sample(const std::string& type, int score) {
  return {"m-1", "alice@example.com", type, score, "2026-12-07T10:00:00.000Z", "2026-12-07T10:00:01.000Z"};
}

// The object written by hand, field by field.
nlohmann::json expected(const std::string& type, int score) {
  return {{"message_id", "m-1"},
          {"user_id", "alice@example.com"},
          {"user", {{"id", "alice@example.com"}}},
          {"type", type},
          {"score", score},
          {"created_at", "2026-12-07T10:00:00.000Z"},
          {"updated_at", "2026-12-07T10:00:01.000Z"}};
}

}  // namespace

TEST(ProtocolReaction, RendersTheReactionObject) {
  const auto json = parley::protocol::to_json(sample("like", 3));
  EXPECT_EQ(json, expected("like", 3));
  EXPECT_TRUE(json["score"].is_number_integer());
}

TEST(ProtocolReaction, RendersOwnReactionsAsAnArray) {
  EXPECT_EQ(parley::protocol::reactions_json({}), "[]");
  const auto text = parley::protocol::reactions_json({sample("like", 1), sample("wow", 2)});
  EXPECT_EQ(nlohmann::json::parse(text), nlohmann::json::array({expected("like", 1), expected("wow", 2)}));
}
