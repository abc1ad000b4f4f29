// message.read, access.revoked and the mark-read result, compared with the objects written out by hand.
#include "parley/protocol/user_events.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

TEST(ProtocolUserEvents, RendersTheMarkReadResult) {
  EXPECT_EQ(parley::protocol::mark_read_result("messaging:general", "alice", 42, 7),
            nlohmann::json({{"read", {{"cid", "messaging:general"}, {"user_id", "alice"}, {"last_read_seq", 42}}},
                            {"unread_count", 7}}));
}

TEST(ProtocolUserEvents, RendersMessageRead) {
  const auto frame =
      parley::protocol::message_read_event("messaging:general", "alice", 42, "2026-12-07T10:00:00.000Z");
  EXPECT_EQ(nlohmann::json::parse(frame), nlohmann::json({{"type", "message.read"},
                                                          {"cid", "messaging:general"},
                                                          {"user", {{"id", "alice"}}},
                                                          {"last_read_seq", 42},
                                                          {"created_at", "2026-12-07T10:00:00.000Z"}}));
}

TEST(ProtocolUserEvents, RendersAccessRevoked) {
  EXPECT_EQ(nlohmann::json::parse(parley::protocol::access_revoked_event(1765000000)),
            nlohmann::json({{"type", "access.revoked"}, {"before_s", 1765000000}}));
  EXPECT_EQ(nlohmann::json::parse(parley::protocol::access_revoked_event(std::nullopt)),
            nlohmann::json({{"type", "access.revoked"}, {"before_s", nullptr}}));
}
