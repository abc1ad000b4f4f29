// The app object of GET / PATCH /v1/app, compared with the object written out by hand.
#include "parley/protocol/app.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

TEST(ProtocolApp, RendersTheAppObjectWithoutSecrets) {
  parley::protocol::App app{"app-1", "Demo", "key-1", std::nullopt, "2026-12-07T10:00:00.000Z",
                            "2026-12-07T10:00:01.000Z"};
  const nlohmann::json expected = {{"id", "app-1"},
                                   {"name", "Demo"},
                                   {"api_key", "key-1"},
                                   {"revoke_tokens_before", nullptr},
                                   {"created_at", "2026-12-07T10:00:00.000Z"},
                                   {"updated_at", "2026-12-07T10:00:01.000Z"}};
  EXPECT_EQ(parley::protocol::to_json(app), expected);
  EXPECT_EQ(parley::protocol::app_result(app), nlohmann::json({{"app", expected}}));
  app.revoke_tokens_before = "2026-12-07T09:00:00.000Z";
  auto revoked = expected;
  revoked["revoke_tokens_before"] = "2026-12-07T09:00:00.000Z";
  EXPECT_EQ(parley::protocol::app_result(app), nlohmann::json({{"app", revoked}}));
}
