// Users and App administration (API.md sections 2 and 5) against the real binary and PostgreSQL:
// list / search, PATCH (with deactivation), soft and hard (GDPR) delete, token revocation, /v1/app.
#include "e2e_fixture.hpp"

#include "parley/auth/jwt.hpp"
#include "parley/protocol/timestamp.hpp"

#include <set>

using namespace parley::test;

namespace {

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string ts_in(std::chrono::seconds offset) {
  return parley::protocol::format_timestamp(std::chrono::system_clock::now() + offset);
}

using Tenant = TestApp;

std::map<std::string, std::string> with_token(const Tenant& t, const std::string& token) {
  return {{"X-Api-Key", t.keys.api_key}, {"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
}

/// A user token signed locally (as a backend would), with the given iat (none when nullopt).
std::string token_for(const Tenant& t, const std::string& user, std::optional<std::int64_t> iat) {
  nlohmann::json claims = {{"user_id", user}, {"exp", now_s() + 3600}};
  if (iat) claims["iat"] = *iat;
  return parley::auth::sign_token(claims, t.keys.api_secret);
}

}  // namespace

class UsersAdminE2E : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    a_ = make_tenant("app-a", R"({"users":[{"id":"alice","name":"Alice"},{"id":"bob","name":"Bob"},)"
                              R"({"id":"carol"},{"id":"only-a","name":"Only A"}]})");
    b_ = make_tenant("app-b", R"({"users":[{"id":"alice","name":"Alice of B"},{"id":"bob"},{"id":"carol"}]})");
  }

  // The shared app fixture, then this suite's profiles, and tokens with an iat just before now.
  Tenant make_tenant(const std::string& name, const std::string& users) {
    Tenant t = make_test_app(port_, db_.url(), name, {"alice", "bob", "carol"});
    auto up = http_request(port_, "POST", "/v1/users", users, t.as("server"));
    EXPECT_EQ(up.status, 201) << up.body;
    for (const char* u : {"alice", "bob", "carol"}) t.user_tokens[u] = token_for(t, u, now_s() - 5);
    return t;
  }

  HttpResponse call_with(const Tenant& t, const std::string& token, const std::string& method,
                         const std::string& target, const std::string& body = "") {
    return http_request(port_, method, target, body, with_token(t, token));
  }

  static std::vector<std::string> ids_of(const nlohmann::json& users) {
    std::vector<std::string> out;
    for (const auto& u : users) out.push_back(u["id"]);
    return out;
  }

  Tenant a_, b_;
};

TEST_F(UsersAdminE2E, ListByIdsReturnsOnlyThisAppsLiveUsers) {
  auto r = call(a_, "bob", "GET", "/v1/users?ids=carol,alice,nobody,alice");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto users = r.json()["users"];
  EXPECT_EQ(ids_of(users), (std::vector<std::string>{"alice", "carol"})) << "ordered by id, unknown ids left out";
  EXPECT_EQ(users[0]["name"], "Alice");
  EXPECT_EQ(users[0]["deactivated"], false);
  EXPECT_FALSE(r.json().contains("next"));

  // Deactivated users are listed (flagged); soft-deleted users are not.
  ASSERT_EQ(call(a_, "server", "PATCH", "/v1/users/carol", R"({"deactivated":true})").status, 200);
  ASSERT_EQ(call(a_, "server", "DELETE", "/v1/users/bob?mode=soft").status, 200);
  auto after = call(a_, "server", "GET", "/v1/users?ids=alice,bob,carol").json()["users"];
  EXPECT_EQ(ids_of(after), (std::vector<std::string>{"alice", "carol"}));
  EXPECT_EQ(after[1]["deactivated"], true);

  // Tenant isolation: app B sees its own alice, never A's only-a.
  auto from_b = call(b_, "server", "GET", "/v1/users?ids=alice,only-a").json()["users"];
  EXPECT_EQ(ids_of(from_b), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(from_b[0]["name"], "Alice of B");

  std::string many = "u0";
  for (int i = 1; i <= 100; ++i) many += ",u" + std::to_string(i);
  expect_error_envelope(call(a_, "server", "GET", "/v1/users?ids=" + many), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "GET", "/v1/users?ids=alice,bad%20id"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "GET", "/v1/users?ids=alice,"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "GET", "/v1/users?ids=alice&q=a"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "GET", "/v1/users?ids=alice&limit=5"), 400, "invalid_request");
  expect_error_envelope(http_request(port_, "GET", "/v1/users?ids=alice"), 401, "unauthenticated");
}

TEST_F(UsersAdminE2E, SearchByIdPrefixPaginatesWithOpaqueCursor) {
  std::string batch = R"({"users":[)";
  for (int i = 0; i < 30; ++i)
    batch += (i ? "," : "") + std::string(R"({"id":"u_)") + (i < 10 ? "0" : "") + std::to_string(i) + "\"}";
  batch += R"(,{"id":"ux1"},{"id":"ux2"}]})";
  ASSERT_EQ(call(a_, "server", "POST", "/v1/users", batch).status, 201);

  std::vector<std::string> seen;
  std::string next;
  int pages = 0;
  do {
    auto r = call(a_, "alice", "GET", "/v1/users?q=u_&limit=10" + (next.empty() ? "" : "&next=" + next));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto body = r.json();
    ASSERT_LE(body["users"].size(), 10u);
    for (const auto& u : body["users"]) seen.push_back(u["id"]);
    next = body.contains("next") ? body["next"].get<std::string>() : "";
    EXPECT_EQ(next.find("u_"), std::string::npos) << "the cursor is opaque";
    ASSERT_LT(++pages, 10);
  } while (!next.empty());
  EXPECT_EQ(pages, 3) << "30 matches in pages of 10: the last full page has no next";
  ASSERT_EQ(seen.size(), 30u) << "'_' is literal: ux1 and ux2 do not match u_";
  for (int i = 0; i < 30; ++i) EXPECT_EQ(seen[i], std::string("u_") + (i < 10 ? "0" : "") + std::to_string(i));

  auto def = call(a_, "server", "GET", "/v1/users?q=u");
  ASSERT_EQ(def.status, 200);
  EXPECT_EQ(def.json()["users"].size(), 25u) << "default limit";
  EXPECT_TRUE(def.json().contains("next"));
  auto last = call(a_, "server", "GET", "/v1/users?q=u&limit=100").json();
  EXPECT_EQ(last["users"].size(), 32u);
  EXPECT_FALSE(last.contains("next"));
  auto all = call(a_, "server", "GET", "/v1/users?limit=100").json()["users"];
  EXPECT_EQ(all.size(), 36u) << "no q lists every user of the app";

  EXPECT_TRUE(call(b_, "server", "GET", "/v1/users?q=u_").json()["users"].empty()) << "tenant isolation";
  EXPECT_EQ(ids_of(call(b_, "server", "GET", "/v1/users?q=only").json()["users"]), std::vector<std::string>{});

  expect_error_envelope(call(a_, "server", "GET", "/v1/users?q=u&limit=0"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "GET", "/v1/users?q=u&limit=101"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "GET", "/v1/users?q=u&next=u_05"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "GET", "/v1/users?q=bad%20prefix"), 400, "invalid_request");
}

TEST_F(UsersAdminE2E, PatchUserPermissionsAndValidation) {
  auto own = call(a_, "alice", "PATCH", "/v1/users/alice",
                  R"({"set":{"name":"Alice L.","image":"https://i/a.png","custom":{"color":"red"}}})");
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.json()["user"]["name"], "Alice L.");
  EXPECT_EQ(own.json()["user"]["custom"]["color"], "red");
  EXPECT_EQ(own.json()["user"]["role"], "user");
  auto unset = call(a_, "alice", "PATCH", "/v1/users/alice", R"({"unset":["image","custom"]})");
  ASSERT_EQ(unset.status, 200) << unset.body;
  EXPECT_TRUE(unset.json()["user"]["image"].is_null());
  EXPECT_TRUE(unset.json()["user"]["custom"].empty());
  EXPECT_EQ(unset.json()["user"]["name"], "Alice L.") << "fields not mentioned are kept";

  expect_error_envelope(call(a_, "alice", "PATCH", "/v1/users/alice", R"({"set":{"role":"admin"}})"), 403, "forbidden");
  expect_error_envelope(call(a_, "alice", "PATCH", "/v1/users/alice", R"({"unset":["role"]})"), 403, "forbidden");
  expect_error_envelope(call(a_, "alice", "PATCH", "/v1/users/alice", R"({"deactivated":false})"), 403, "forbidden");
  expect_error_envelope(call(a_, "alice", "PATCH", "/v1/users/bob", R"({"set":{"name":"Bobby"}})"), 403, "forbidden");
  EXPECT_EQ(call(a_, "server", "GET", "/v1/users/bob").json()["user"]["name"], "Bob");

  auto promoted = call(a_, "server", "PATCH", "/v1/users/bob", R"({"set":{"role":"admin","name":"Bobby"}})");
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(promoted.json()["user"]["role"], "admin");
  EXPECT_EQ(call(a_, "server", "PATCH", "/v1/users/bob", R"({"unset":["role"]})").json()["user"]["role"], "user");

  // The same validation as upsert.
  const std::string long_name(201, 'n');
  expect_error_envelope(call(a_, "alice", "PATCH", "/v1/users/alice", R"({"set":{"name":")" + long_name + "\"}}"), 400,
                        "invalid_request");
  const std::string big(6000, 'x');
  expect_error_envelope(call(a_, "alice", "PATCH", "/v1/users/alice", R"({"set":{"custom":{"k":")" + big + "\"}}}"),
                        400, "invalid_request");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/users/bob", R"({"set":{"role":"owner"}})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/users/bob", R"({"set":{"id":"x"}})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/users/bob", R"({"set":{"name":"a"},"unset":["name"]})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/users/bob", R"({"unset":["id"]})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/users/bob", R"({"deactivated":"yes"})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/users/bob", "{}"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/users/bob", R"({"set":)"), 400, "invalid_json");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/users/nobody", R"({"set":{"name":"N"}})"), 404, "not_found");
  // App B's server token cannot reach app A's users.
  expect_error_envelope(call(b_, "server", "PATCH", "/v1/users/only-a", R"({"set":{"name":"hacked"}})"), 404,
                        "not_found");
  EXPECT_EQ(call(a_, "server", "GET", "/v1/users/only-a").json()["user"]["name"], "Only A");
}

TEST_F(UsersAdminE2E, DeactivatedUserTokensAre401UntilReactivated) {
  ASSERT_EQ(call(a_, "alice", "GET", "/v1/me").status, 200);
  auto off = call(a_, "server", "PATCH", "/v1/users/alice", R"({"deactivated":true})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(off.json()["user"]["deactivated"], true);
  expect_error_envelope(call(a_, "alice", "GET", "/v1/me"), 401, "unauthenticated");
  EXPECT_EQ(call(b_, "alice", "GET", "/v1/me").status, 200) << "app B's alice is another user";
  auto on = call(a_, "server", "PATCH", "/v1/users/alice", R"({"deactivated":false})");
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_EQ(on.json()["user"]["deactivated"], false);
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/me").status, 200);
}

TEST_F(UsersAdminE2E, RevokeTokensRefusesOlderTokens) {
  const auto old_token = token_for(a_, "alice", now_s() - 120);
  const auto no_iat = token_for(a_, "alice", std::nullopt);
  const auto fresh = token_for(a_, "alice", now_s() + 10);
  ASSERT_EQ(call_with(a_, old_token, "GET", "/v1/me").status, 200);
  ASSERT_EQ(call_with(a_, no_iat, "GET", "/v1/me").status, 200);

  auto revoked = call(a_, "server", "POST", "/v1/users/alice/revoke_tokens");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.json()["user_id"], "alice");
  EXPECT_TRUE(revoked.json()["revoke_tokens_before"].is_string());
  expect_error_envelope(call_with(a_, old_token, "GET", "/v1/me"), 401, "token_revoked");
  expect_error_envelope(call_with(a_, no_iat, "GET", "/v1/me"), 401, "token_revoked");
  EXPECT_EQ(call_with(a_, fresh, "GET", "/v1/me").status, 200) << "issued after the revocation";
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/me").status, 200) << "other users are untouched";
  EXPECT_EQ(call(b_, "alice", "GET", "/v1/me").status, 200) << "app B's alice is untouched";

  auto later = call(a_, "server", "POST", "/v1/users/alice/revoke_tokens", R"({"before":")" + ts_in(60s) + "\"}");
  ASSERT_EQ(later.status, 200) << later.body;
  expect_error_envelope(call_with(a_, fresh, "GET", "/v1/me"), 401, "token_revoked");
  ASSERT_EQ(call(a_, "server", "POST", "/v1/users/alice/revoke_tokens", R"({"before":null})").status, 200);
  EXPECT_EQ(call_with(a_, old_token, "GET", "/v1/me").status, 200) << "null lifts the revocation";

  expect_error_envelope(call(a_, "alice", "POST", "/v1/users/alice/revoke_tokens"), 403, "forbidden");
  expect_error_envelope(call(a_, "server", "POST", "/v1/users/alice/revoke_tokens", R"({"before":"yesterday"})"), 400,
                        "invalid_request");
  expect_error_envelope(
      call(a_, "server", "POST", "/v1/users/alice/revoke_tokens", R"({"before":"2026-02-30T00:00:00.000Z"})"), 400,
      "invalid_request");
  expect_error_envelope(call(a_, "server", "POST", "/v1/users/alice/revoke_tokens", R"({"after":"x"})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "server", "POST", "/v1/users/nobody/revoke_tokens"), 404, "not_found");
  expect_error_envelope(call(b_, "server", "POST", "/v1/users/only-a/revoke_tokens"), 404, "not_found");
}

TEST_F(UsersAdminE2E, AppSettingsRevokeAllUserTokensAndNeverShowTheSecret) {
  auto got = call(a_, "server", "GET", "/v1/app");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json()["app"]["id"], a_.keys.app_id);
  EXPECT_EQ(got.json()["app"]["api_key"], a_.keys.api_key);
  EXPECT_TRUE(got.json()["app"]["revoke_tokens_before"].is_null());
  EXPECT_EQ(got.body.find(a_.keys.api_secret), std::string::npos) << "GET /v1/app never returns the secret";
  EXPECT_EQ(got.body.find("api_secret"), std::string::npos);
  expect_error_envelope(call(a_, "alice", "GET", "/v1/app"), 403, "forbidden");
  expect_error_envelope(call(a_, "alice", "PATCH", "/v1/app", R"({"revoke_tokens_before":null})"), 403, "forbidden");

  const auto old_token = token_for(a_, "alice", now_s() - 100);
  const auto new_token = token_for(a_, "alice", now_s());
  ASSERT_EQ(call_with(a_, old_token, "GET", "/v1/me").status, 200) << "warms this node's app cache";
  auto patched = call(a_, "server", "PATCH", "/v1/app", R"({"revoke_tokens_before":")" + ts_in(-50s) + "\"}");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_TRUE(patched.json()["app"]["revoke_tokens_before"].is_string());
  EXPECT_EQ(patched.body.find(a_.keys.api_secret), std::string::npos);
  // No waiting: PATCH drops this node's cached app row.
  expect_error_envelope(call_with(a_, old_token, "GET", "/v1/me"), 401, "token_revoked");
  EXPECT_EQ(call_with(a_, new_token, "GET", "/v1/me").status, 200);
  EXPECT_EQ(call(a_, "server", "GET", "/v1/app").status, 200) << "server tokens are not revoked app-wide";
  EXPECT_EQ(call_with(b_, token_for(b_, "alice", now_s() - 100), "GET", "/v1/me").status, 200) << "app B untouched";
  EXPECT_TRUE(call(b_, "server", "GET", "/v1/app").json()["app"]["revoke_tokens_before"].is_null());

  ASSERT_EQ(call(a_, "server", "PATCH", "/v1/app", R"({"revoke_tokens_before":null})").status, 200);
  EXPECT_EQ(call_with(a_, old_token, "GET", "/v1/me").status, 200);

  expect_error_envelope(call(a_, "server", "PATCH", "/v1/app", R"({"blocklist":["x"]})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/app", R"({"api_secret":"mine"})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/app", R"({"revoke_tokens_before":"2026-13-01T00:00:00Z"})"),
                        400, "invalid_request");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/app", "{}"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/app", "{"), 400, "invalid_json");
}

TEST_F(UsersAdminE2E, SoftDeleteHidesUserRefusesTokensKeepsMessages) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/soft", R"({"members":["bob"]})").status, 201);
  ASSERT_EQ(
      call(a_, "alice", "POST", "/v1/channels/messaging/soft/messages", R"({"id":"s1","text":"still here"})").status,
      201);
  expect_error_envelope(call(a_, "alice", "DELETE", "/v1/users/alice?mode=soft"), 403, "forbidden");
  expect_error_envelope(call(a_, "server", "DELETE", "/v1/users/alice?mode=later"), 400, "invalid_request");
  expect_error_envelope(call(b_, "server", "DELETE", "/v1/users/only-a"), 404, "not_found");
  EXPECT_EQ(call(a_, "server", "GET", "/v1/users/only-a").status, 200) << "app B cannot delete app A's user";

  auto del = call(a_, "server", "DELETE", "/v1/users/alice");
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(del.json()["mode"], "soft") << "soft is the default";
  EXPECT_TRUE(del.json()["user"]["deleted_at"].is_string());
  expect_error_envelope(call(a_, "server", "GET", "/v1/users/alice"), 404, "not_found");
  expect_error_envelope(call(a_, "alice", "GET", "/v1/me"), 401, "unauthenticated");
  EXPECT_TRUE(call(a_, "server", "GET", "/v1/users?ids=alice").json()["users"].empty());
  expect_error_envelope(call(a_, "server", "DELETE", "/v1/users/alice?mode=soft"), 404, "not_found");
  auto history = call(a_, "bob", "GET", "/v1/channels/messaging/soft/messages").json()["messages"];
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["text"], "still here") << "soft delete keeps messages";
  EXPECT_EQ(call(b_, "alice", "GET", "/v1/me").status, 200) << "app B's alice is another user";
  expect_error_envelope(call(a_, "server", "DELETE", "/v1/users/nobody?mode=hard"), 404, "not_found");
}

TEST_F(UsersAdminE2E, HardDeleteLeavesNothingOfTheUserReadable) {
  ASSERT_EQ(call(a_, "server", "PATCH", "/v1/users/alice",
                 R"({"set":{"name":"Alice Secretname","custom":{"pii":"secret-profile"}}})")
                .status,
            200);
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/gdpr", R"({"members":["bob"]})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/gdpr/messages",
                 R"({"id":"a1","text":"secret-text-one","custom":{"k":"secret-custom"}})")
                .status,
            201);
  ASSERT_EQ(call(a_, "bob", "POST", "/v1/channels/messaging/gdpr/messages", R"({"id":"b1","text":"bob stays"})").status,
            201);
  ASSERT_EQ(call(a_, "alice", "PATCH", "/v1/messages/a1", R"({"set":{"text":"secret-text-edited"}})").status, 200);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/gdpr/messages", R"({"id":"a2","text":"secret-text-two"})")
                .status,
            201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/gdpr/read", "{}").status, 200);
  ASSERT_EQ(call(a_, "bob", "PUT", "/v1/channels/livestream/town", "{}").status, 201);
  ASSERT_EQ(
      call(a_, "alice", "POST", "/v1/channels/livestream/town/messages", R"({"id":"a3","text":"secret-text-live"})")
          .status,
      201);
  // App B has its own alice with the same message text: it must survive.
  ASSERT_EQ(call(b_, "alice", "PUT", "/v1/channels/messaging/gdpr", R"({"members":["bob"]})").status, 201);
  ASSERT_EQ(call(b_, "alice", "POST", "/v1/channels/messaging/gdpr/messages", R"({"id":"a1","text":"secret-text-one"})")
                .status,
            201);
  // Alice's reactions on bob's messages (two on b1; one in a channel she neither joined nor wrote in),
  // and bob's reaction on alice's a1 (it goes with a1).
  for (const char* type : {"like", "love"}) {
    ASSERT_EQ(call(a_, "alice", "POST", "/v1/messages/b1/reactions", nlohmann::json{{"type", type}}.dump()).status, 201);
  }
  ASSERT_EQ(call(a_, "bob", "POST", "/v1/messages/b1/reactions", R"({"type":"like"})").status, 201);
  ASSERT_EQ(call(a_, "bob", "POST", "/v1/messages/a1/reactions", R"({"type":"like"})").status, 201);
  ASSERT_EQ(call(a_, "bob", "PUT", "/v1/channels/livestream/plaza", "{}").status, 201);
  ASSERT_EQ(call(a_, "bob", "POST", "/v1/channels/livestream/plaza/messages", R"({"id":"p1","text":"plaza"})").status,
            201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/messages/p1/reactions", R"({"type":"wow"})").status, 201);
  const auto plaza_seq_before =
      call(a_, "bob", "GET", "/v1/channels/livestream/plaza").json()["channel"]["last_seq"].get<int>();
  const auto seq_before =
      call(a_, "bob", "GET", "/v1/channels/messaging/gdpr").json()["channel"]["last_seq"].get<int>();

  expect_error_envelope(call(a_, "alice", "DELETE", "/v1/users/alice?mode=hard"), 403, "forbidden");
  auto del = call(a_, "server", "DELETE", "/v1/users/alice?mode=hard");
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(del.json()["mode"], "hard");
  EXPECT_EQ(del.json()["messages_deleted"], 3);
  EXPECT_EQ(del.json()["memberships_removed"], 1);
  EXPECT_EQ(del.json()["reactions_removed"], 3) << "on other users' messages only";

  // Users endpoints.
  expect_error_envelope(call(a_, "server", "GET", "/v1/users/alice"), 404, "not_found");
  EXPECT_TRUE(call(a_, "server", "GET", "/v1/users?ids=alice").json()["users"].empty());
  EXPECT_TRUE(call(a_, "server", "GET", "/v1/users?q=ali").json()["users"].empty());
  // Messages endpoints.
  auto history = call(a_, "bob", "GET", "/v1/channels/messaging/gdpr/messages").json()["messages"];
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["id"], "b1");
  for (const char* id : {"a1", "a2", "a3"}) {
    expect_error_envelope(call(a_, "server", "GET", std::string("/v1/messages/") + id), 404, "not_found");
  }
  EXPECT_TRUE(call(a_, "bob", "GET", "/v1/channels/livestream/town/messages").json()["messages"].empty());
  // Members.
  auto members = call(a_, "bob", "GET", "/v1/channels/messaging/gdpr/members").json()["members"];
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0]["user_id"], "bob");
  // Events: every removal took a seq (gapless), and no content of alice's is left in the log.
  for (const char* cid : {"messaging/gdpr", "livestream/town"}) {
    auto r = call(a_, "bob", "GET", std::string("/v1/channels/") + cid + "/events?after_seq=0&limit=100");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto events = r.json()["events"];
    const auto dump = events.dump();
    EXPECT_EQ(dump.find("secret-"), std::string::npos) << cid << ": " << dump;
    for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i]["seq"], i + 1);
  }
  auto events = call(a_, "bob", "GET", "/v1/channels/messaging/gdpr/events?after_seq=" + std::to_string(seq_before))
                    .json()["events"];
  std::vector<std::string> types;
  for (const auto& e : events) types.push_back(e["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"message.deleted", "message.deleted", "reaction.deleted",
                                              "reaction.deleted", "member.removed"}));
  EXPECT_EQ(events[0]["hard_delete"], true);
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i]["seq"], seq_before + 1 + static_cast<int>(i));
  EXPECT_EQ(events[2]["message"]["id"], "b1");
  EXPECT_EQ(events[2]["reaction"]["user_id"], "alice");
  EXPECT_EQ(events[2]["reaction"]["type"], "like");
  EXPECT_EQ(events[2]["message"]["reaction_counts"], (nlohmann::json{{"like", 1}, {"love", 1}}));
  EXPECT_EQ(events[3]["reaction"]["type"], "love");
  EXPECT_EQ(events[3]["message"]["reaction_counts"], (nlohmann::json{{"like", 1}}));
  // Bob's message keeps only bob's reaction; nothing of alice's is in anyone's reads.
  auto b1 = call(a_, "bob", "GET", "/v1/messages/b1").json()["message"];
  EXPECT_EQ(b1["reaction_counts"], (nlohmann::json{{"like", 1}}));
  ASSERT_EQ(b1["own_reactions"].size(), 1u);
  // The channel she only reacted in: one reaction.deleted with its next seq, the count gone.
  auto plaza_events = call(a_, "bob", "GET",
                           "/v1/channels/livestream/plaza/events?after_seq=" + std::to_string(plaza_seq_before))
                          .json()["events"];
  ASSERT_EQ(plaza_events.size(), 1u) << plaza_events.dump();
  EXPECT_EQ(plaza_events[0]["type"], "reaction.deleted");
  EXPECT_EQ(plaza_events[0]["seq"], plaza_seq_before + 1);
  EXPECT_EQ(plaza_events[0]["message"]["reaction_counts"], nlohmann::json::object());
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/messages/p1").json()["message"]["reaction_counts"], nlohmann::json::object());
  // The profile is gone too (nothing in any answer above), and old tokens are refused.
  expect_error_envelope(call(a_, "alice", "GET", "/v1/me"), 401, "token_revoked");
  auto reborn = token_for(a_, "alice", now_s() + 5);
  auto me = call_with(a_, reborn, "GET", "/v1/me");
  ASSERT_EQ(me.status, 200) << "the id may be used again with a new token: " << me.body;
  EXPECT_EQ(me.json()["unread_channels"], 0) << "no memberships, no read marks";
  EXPECT_EQ(me.body.find("Secretname"), std::string::npos);
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/me").status, 200);

  // App B's alice and her messages are untouched.
  EXPECT_EQ(call(b_, "server", "GET", "/v1/users/alice").json()["user"]["name"], "Alice of B");
  auto b_history = call(b_, "bob", "GET", "/v1/channels/messaging/gdpr/messages").json()["messages"];
  ASSERT_EQ(b_history.size(), 1u);
  EXPECT_EQ(b_history[0]["text"], "secret-text-one");
  EXPECT_EQ(call(b_, "alice", "GET", "/v1/me").status, 200);
  expect_error_envelope(call(a_, "server", "DELETE", "/v1/users/alice?mode=hard"), 404, "not_found");
}
