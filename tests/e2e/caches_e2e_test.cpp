// Per-node caches (issue 9 item 5) against two real nodes sharing one
// PostgreSQL and one Redis: a change made through one node is seen by the
// other within a second, and the hot paths are served from the caches.
#include "e2e_fixture.hpp"

#include "parley/protocol/timestamp.hpp"

#include <functional>
#include <thread>

using namespace parley::test;


class CachesE2E : public TwoNodeTest {
 protected:
  void SetUp() override {
    start_nodes();
    app_ = make_test_app(port_a_, db_.url(), "cache-a", {"alice", "bob", "carol"});
    other_ = make_test_app(port_a_, db_.url(), "cache-b", {"alice"});
    auto r = http_request(port_a_, "PUT", "/v1/channels/livestream/hall", R"({"name":"hall"})", app_.as("server"));
    ASSERT_EQ(r.status, 201) << r.body;
    r = http_request(port_a_, "PUT", "/v1/channels/livestream/hall", R"({"name":"hall"})", other_.as("server"));
    ASSERT_EQ(r.status, 201) << r.body;
  }

  HttpResponse send(std::uint16_t port, const TestApp& app, const std::string& who, const std::string& text) {
    return http_request(port, "POST", "/v1/channels/livestream/hall/messages", nlohmann::json{{"text", text}}.dump(),
                        app.as(who));
  }

  /// How long until a send of `text` by alice through `port` is answered `status` (polled every 20 ms,
  /// up to 5 s); -1 ms when it never is.
  std::chrono::milliseconds time_until(std::uint16_t port, const std::string& text, int status) {
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
      if (send(port, app_, "alice", text).status == status) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::chrono::milliseconds(-1);
  }

  /// How long until `request()` answers `status` (polled every 20 ms, up to 5 s); -1 ms when it never does.
  static std::chrono::milliseconds time_until_status(const std::function<HttpResponse()>& request, int status) {
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
      if (request().status == status) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::chrono::milliseconds(-1);
  }

  HttpResponse me(std::uint16_t port, const std::string& who) {
    return http_request(port, "GET", "/v1/me", "", app_.as(who));
  }

  TestApp other_;
};

TEST_F(CachesE2E, AChannelTypeChangeReachesEveryNodeWithinASecond) {
  // Both nodes have the type cached (each served a send of it).
  ASSERT_EQ(send(port_a_, app_, "alice", "a longer message").status, 201);
  ASSERT_EQ(send(port_b_, app_, "alice", "a longer message").status, 201);

  // A switch changed through node A...
  auto r = http_request(port_a_, "PATCH", "/v1/channel_types/livestream", R"({"max_message_length":5})",
                        app_.as("server"));
  ASSERT_EQ(r.status, 200) << r.body;
  // ...applies on node A at once and on node B within a second.
  auto refused = send(port_a_, app_, "alice", "a longer message");
  expect_error_envelope(refused, 400, "invalid_request");
  EXPECT_NE(refused.body.find("max_message_length"), std::string::npos) << refused.body;
  const auto on_b = time_until(port_b_, "a longer message", 400);
  EXPECT_GE(on_b.count(), 0) << "node B never saw the new max_message_length";
  EXPECT_LT(on_b.count(), 1000) << "node B took " << on_b.count() << " ms";
  // Short messages still pass, and the other app's livestream is untouched (its own built-in).
  EXPECT_EQ(send(port_b_, app_, "alice", "hi").status, 201);
  EXPECT_EQ(send(port_b_, other_, "alice", "a longer message").status, 201);

  // Grants too: users may no longer send in this app's livestream channels.
  r = http_request(port_b_, "PATCH", "/v1/channel_types/livestream", R"({"grants":{"user":["read_channel"]}})",
                   app_.as("server"));
  ASSERT_EQ(r.status, 200) << r.body;
  expect_error_envelope(send(port_b_, app_, "alice", "hi"), 403, "forbidden");
  const auto on_a = time_until(port_a_, "hi", 403);
  EXPECT_GE(on_a.count(), 0) << "node A never saw the new grants";
  EXPECT_LT(on_a.count(), 1000) << "node A took " << on_a.count() << " ms";
  EXPECT_EQ(send(port_a_, other_, "alice", "hi").status, 201) << "another app's grants did not change";
}

TEST_F(CachesE2E, SendsAreServedFromTheTypeCacheAndOneStatementPerBatch) {
  const double hits_before = metric_of(port_a_, R"(parley_cache_lookups_total{cache="channel_types",result="hit"})");
  const double batches_before = metric_of(port_a_, R"(parley_db_statements_total{statement="send_batch"})");
  ASSERT_GE(hits_before, 0) << "the cache metric is exported";
  ASSERT_GE(batches_before, 0) << "the statement metric is exported";
  for (int i = 0; i < 10; ++i) ASSERT_EQ(send(port_a_, app_, "alice", "m" + std::to_string(i)).status, 201);
  const double hits = metric_of(port_a_, R"(parley_cache_lookups_total{cache="channel_types",result="hit"})");
  const double batches = metric_of(port_a_, R"(parley_db_statements_total{statement="send_batch"})");
  const double events = metric_of(port_a_, R"(parley_db_statements_total{statement="insert_events"})");
  EXPECT_GE(hits - hits_before, 10) << "every send found its channel type in the cache";
  EXPECT_EQ(batches - batches_before, 10) << "one statement stores each (sequential) send";
  EXPECT_GE(events, 10);
  // What was stored is what the history returns, in seq order.
  auto h = http_request(port_b_, "GET", "/v1/channels/livestream/hall/messages?limit=10", "", app_.as("alice"));
  ASSERT_EQ(h.status, 200) << h.body;
  const auto messages = h.json()["messages"];
  ASSERT_EQ(messages.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(messages[i]["text"], "m" + std::to_string(i));
}

TEST_F(CachesE2E, AuthenticatedReadsOfACachedUserMakeOneQuery) {
  const auto history = [&] {
    return http_request(port_a_, "GET", "/v1/channels/livestream/hall/messages?limit=5", "", app_.as("alice"));
  };
  ASSERT_EQ(history().status, 200);  // alice's auth state is now cached on node A
  const auto statement = R"(parley_db_statements_total{statement="user_auth_state"})";
  const auto hit = R"(parley_cache_lookups_total{cache="user_auth_states",result="hit"})";
  EXPECT_EQ(metric_of(port_a_, "parley_user_cache_enabled"), 1) << "Redis is up: the cache serves";
  const double loads_before = metric_of(port_a_, statement);
  const double hits_before = metric_of(port_a_, hit);
  ASSERT_GE(loads_before, 1) << "the first read loaded alice's auth state";
  for (int i = 0; i < 10; ++i) ASSERT_EQ(history().status, 200);
  EXPECT_EQ(metric_of(port_a_, statement), loads_before) << "no auth state query for a cached user";
  EXPECT_GE(metric_of(port_a_, hit) - hits_before, 10);
}

TEST_F(CachesE2E, AUserChangeReachesEveryNodeWithinASecond) {
  // alice and bob are cached as active users on both nodes.
  for (auto port : {port_a_, port_b_}) {
    ASSERT_EQ(me(port, "alice").status, 200);
    ASSERT_EQ(me(port, "bob").status, 200);
  }

  // Revoked through node A: refused there at once, and on node B within a second.
  const auto until = parley::protocol::format_timestamp(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto r = http_request(port_a_, "POST", "/v1/users/alice/revoke_tokens", R"({"before":")" + until + "\"}",
                        app_.as("server"));
  ASSERT_EQ(r.status, 200) << r.body;
  expect_error_envelope(me(port_a_, "alice"), 401, "token_revoked");
  const auto revoked_on_b = time_until_status([&] { return me(port_b_, "alice"); }, 401);
  EXPECT_GE(revoked_on_b.count(), 0) << "node B never refused the revoked token";
  EXPECT_LT(revoked_on_b.count(), 1000) << "node B took " << revoked_on_b.count() << " ms";
  EXPECT_EQ(me(port_b_, "bob").status, 200) << "only alice was revoked";
  EXPECT_EQ(http_request(port_b_, "GET", "/v1/me", "", other_.as("alice")).status, 200) << "the other app's alice is untouched";

  // Deactivated through node B: refused on node A within a second; reactivated: accepted again.
  r = http_request(port_b_, "PATCH", "/v1/users/bob", R"({"deactivated":true})", app_.as("server"));
  ASSERT_EQ(r.status, 200) << r.body;
  expect_error_envelope(me(port_b_, "bob"), 401, "unauthenticated");
  const auto off_on_a = time_until_status([&] { return me(port_a_, "bob"); }, 401);
  EXPECT_GE(off_on_a.count(), 0) << "node A never refused the deactivated user";
  EXPECT_LT(off_on_a.count(), 1000) << "node A took " << off_on_a.count() << " ms";
  r = http_request(port_b_, "PATCH", "/v1/users/bob", R"({"deactivated":false})", app_.as("server"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto on_on_a = time_until_status([&] { return me(port_a_, "bob"); }, 200);
  EXPECT_GE(on_on_a.count(), 0) << "node A never accepted the reactivated user";
  EXPECT_LT(on_on_a.count(), 1000) << "node A took " << on_on_a.count() << " ms";

  // App-wide revocation through node A (the other app, whose alice both nodes have cached): node B within a second.
  ASSERT_EQ(http_request(port_b_, "GET", "/v1/me", "", other_.as("alice")).status, 200);
  r = http_request(port_a_, "PATCH", "/v1/app", R"({"revoke_tokens_before":")" + until + "\"}", other_.as("server"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto app_revoked_on_b =
      time_until_status([&] { return http_request(port_b_, "GET", "/v1/me", "", other_.as("alice")); }, 401);
  EXPECT_GE(app_revoked_on_b.count(), 0) << "node B never applied the app-wide revocation";
  EXPECT_LT(app_revoked_on_b.count(), 1000) << "node B took " << app_revoked_on_b.count() << " ms";
}

TEST_F(CachesE2E, AMemberRoleChangeReachesEveryNodeWithinASecond) {
  auto r = http_request(port_a_, "PUT", "/v1/channels/messaging/team", R"({"members":["alice","bob"]})",
                        app_.as("server"));
  ASSERT_EQ(r.status, 201) << r.body;
  r = http_request(port_a_, "POST", "/v1/channels/messaging/team/members", R"({"roles":{"bob":"moderator"}})",
                   app_.as("server"));
  ASSERT_EQ(r.status, 200) << r.body;
  r = http_request(port_a_, "POST", "/v1/channels/messaging/team/messages", R"({"text":"pin me"})", app_.as("alice"));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = r.json()["message"]["id"];
  const auto pin = [&](std::uint16_t port, const std::string& who, bool pinned) {
    return http_request(port, "PATCH", "/v1/messages/" + id, nlohmann::json{{"set", {{"pinned", pinned}}}}.dump(),
                        app_.as(who));
  };

  // bob's moderator role is cached on both nodes by his first pin there; then it is served from the cache.
  ASSERT_EQ(pin(port_a_, "bob", true).status, 200);
  ASSERT_EQ(pin(port_b_, "bob", false).status, 200);
  const auto statement = R"(parley_db_statements_total{statement="member_role"})";
  const auto hit = R"(parley_cache_lookups_total{cache="member_roles",result="hit"})";
  const double loads_before = metric_of(port_a_, statement);
  const double hits_before = metric_of(port_a_, hit);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(pin(port_a_, "bob", i % 2 == 0).status, 200);
  EXPECT_EQ(metric_of(port_a_, statement), loads_before) << "no role query for a cached member";
  EXPECT_GE(metric_of(port_a_, hit) - hits_before, 5);

  // Demoted through node A: node B refuses his pin within a second.
  r = http_request(port_a_, "POST", "/v1/channels/messaging/team/members", R"({"roles":{"bob":"member"}})",
                   app_.as("server"));
  ASSERT_EQ(r.status, 200) << r.body;
  expect_error_envelope(pin(port_a_, "bob", true), 403, "forbidden");
  const auto demoted_on_b = time_until_status([&] { return pin(port_b_, "bob", true); }, 403);
  EXPECT_GE(demoted_on_b.count(), 0) << "node B never refused the demoted moderator";
  EXPECT_LT(demoted_on_b.count(), 1000) << "node B took " << demoted_on_b.count() << " ms";

  // "Not a member" is cached too: carol, refused on node B, is made a moderator through node A.
  EXPECT_NE(pin(port_b_, "carol", true).status, 200);
  r = http_request(port_a_, "POST", "/v1/channels/messaging/team/members",
                   R"({"add":["carol"],"roles":{"carol":"moderator"}})", app_.as("server"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto added_on_b = time_until_status([&] { return pin(port_b_, "carol", true); }, 200);
  EXPECT_GE(added_on_b.count(), 0) << "node B never let the new moderator pin";
  EXPECT_LT(added_on_b.count(), 1000) << "node B took " << added_on_b.count() << " ms";

  // Removed through node B: node A refuses within a second.
  r = http_request(port_b_, "POST", "/v1/channels/messaging/team/members", R"({"remove":["carol"]})",
                   app_.as("server"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto refused_on_a = time_until_status(
      [&] {
        auto res = pin(port_a_, "carol", false);
        if (res.status != 200) res.status = 0;  // refused, whichever way (not a member: 403 or 404)
        return res;
      },
      0);
  EXPECT_GE(refused_on_a.count(), 0) << "node A still let the removed moderator pin";
  EXPECT_LT(refused_on_a.count(), 1000) << "node A took " << refused_on_a.count() << " ms";
}

TEST_F(CachesE2E, WhileRedisIsDownARevocationOnOneNodeStillReachesTheOther) {
  ASSERT_EQ(me(port_b_, "alice").status, 200);  // alice's auth state is cached on node B
  ASSERT_EQ(metric_of(port_b_, "parley_user_cache_enabled"), 1);
  redis_.kill();
  ASSERT_TRUE(eventually([&] { return metric_of(port_b_, "parley_user_cache_enabled") == 0; }))
      << "node B turns its user cache off when Redis goes away";
  // Revoked through node A: the invalidation cannot cross without Redis, yet node B refuses at once,
  // because with its cache off it reads the user's state from PostgreSQL.
  const auto until = parley::protocol::format_timestamp(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto r = http_request(port_a_, "POST", "/v1/users/alice/revoke_tokens", R"({"before":")" + until + "\"}",
                        app_.as("server"));
  ASSERT_EQ(r.status, 200) << r.body;
  expect_error_envelope(me(port_b_, "alice"), 401, "token_revoked");
  const auto hits_down = metric_of(port_b_, R"(parley_cache_lookups_total{cache="user_auth_states",result="hit"})");
  EXPECT_EQ(me(port_b_, "bob").status, 200);
  EXPECT_EQ(me(port_b_, "bob").status, 200);
  EXPECT_EQ(metric_of(port_b_, R"(parley_cache_lookups_total{cache="user_auth_states",result="hit"})"), hits_down)
      << "no lookup is served from the cache while Redis is down";

  redis_.start();  // same port
  EXPECT_TRUE(eventually([&] { return metric_of(port_b_, "parley_user_cache_enabled") == 1; }, std::chrono::seconds(20)))
      << "the cache serves again once Redis is back";
  EXPECT_EQ(me(port_b_, "bob").status, 200);
  EXPECT_EQ(me(port_b_, "bob").status, 200);
  EXPECT_GT(metric_of(port_b_, R"(parley_cache_lookups_total{cache="user_auth_states",result="hit"})"), hits_down);
  expect_error_envelope(me(port_b_, "alice"), 401, "token_revoked");
}
