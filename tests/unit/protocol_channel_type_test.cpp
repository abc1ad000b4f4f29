// The channel type object: name, built_in, grants per role and every switch at the top level.
#include "parley/protocol/channel_type.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

parley::protocol::ChannelType sample() {
  parley::protocol::ChannelType t;
  t.name = "support";
  t.grants = {{"admin", {"read_channel", "send_message"}}, {"user", {}}};
  t.switches = {{"typing_events", false}, {"replies", true}, {"max_message_length", 500}};
  t.created_at = "2026-12-07T10:00:00.000Z";
  t.updated_at = "2026-12-07T10:00:01.000Z";
  return t;
}

const nlohmann::json kSupport = {{"name", "support"},
                                 {"built_in", false},
                                 {"grants", {{"admin", {"read_channel", "send_message"}}, {"user", nlohmann::json::array()}}},
                                 {"typing_events", false},
                                 {"replies", true},
                                 {"max_message_length", 500},
                                 {"created_at", "2026-12-07T10:00:00.000Z"},
                                 {"updated_at", "2026-12-07T10:00:01.000Z"}};

}  // namespace

TEST(ProtocolChannelType, RendersTheChannelTypeObject) {
  EXPECT_EQ(parley::protocol::to_json(sample()), kSupport);
  EXPECT_EQ(parley::protocol::channel_type_result(sample()), nlohmann::json({{"channel_type", kSupport}}));
}

TEST(ProtocolChannelType, ABuiltInWithoutARowHasNullTimes) {
  auto t = sample();
  t.name = "messaging";
  t.built_in = true;
  t.created_at.reset();
  t.updated_at.reset();
  auto expected = kSupport;
  expected["name"] = "messaging";
  expected["built_in"] = true;
  expected["created_at"] = nullptr;
  expected["updated_at"] = nullptr;
  EXPECT_EQ(parley::protocol::to_json(t), expected);
}

TEST(ProtocolChannelType, ListsTypesByNameTheLastOneWinning) {
  auto builtin = sample();
  builtin.name = "messaging";
  builtin.built_in = true;
  builtin.created_at.reset();
  builtin.updated_at.reset();
  auto override_row = sample();
  override_row.name = "messaging";
  override_row.built_in = true;
  auto expected_override = kSupport;
  expected_override["name"] = "messaging";
  expected_override["built_in"] = true;
  EXPECT_EQ(parley::protocol::channel_type_list({builtin, sample(), override_row}),
            nlohmann::json({{"channel_types", {{"messaging", expected_override}, {"support", kSupport}}}}));
  EXPECT_EQ(parley::protocol::channel_type_list({}), nlohmann::json({{"channel_types", nlohmann::json::object()}}));
}
