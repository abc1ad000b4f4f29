// Process lifecycle: graceful drain on SIGTERM, CLI exit codes, two nodes migrating at once.
#include "e2e_fixture.hpp"
#include "support/http_connection.hpp"
#include "support/ws_client.hpp"

#include <csignal>

using namespace parley::test;

TEST(DrainE2E, SigtermTurnsReadyzRedThenDrainsWebSocketsAndExitsZero) {
  ScratchDatabase db;
  const auto port = free_port();
  ParleyProcess server(ParleyProcess::serve_args(
      port, db.url(), test_redis_url(),
      {"--migrate", "--drain-delay-ms", "1500", "--drain-grace-ms", "5000", "--drain-reconnect-jitter-ms", "3000"}));
  server.start();
  server.wait_healthy();
  ASSERT_EQ(http_request(port, "GET", "/readyz").status, 200);
  const auto app = create_app(db.url());
  const auto token = create_token(db.url(), app.api_key, "carol");
  WsClient ws;
  ASSERT_EQ(ws.connect(port, "/v1/connect?api_key=" + app.api_key + "&token=" + token), 101);
  ws.read_until_type("connection.ok");

  server.send_signal(SIGTERM);
  // During drain_delay the listener still answers, and /readyz is 503 first
  // (polled: the signal is handled asynchronously).
  HttpResponse ready;
  ASSERT_TRUE(eventually([&] {
    ready = http_request(port, "GET", "/readyz");
    return ready.status == 503;
  }, 1000ms)) << "readyz stayed " << ready.status;
  EXPECT_FALSE(ws.wait_for_message(0ms)) << "WebSocket clients are told only after readyz went red";
  expect_error_envelope(ready, 503, "unavailable");
  EXPECT_EQ(ready.json()["error"]["details"]["checks"]["draining"], true);

  const auto draining = ws.read_until_type("connection.draining", 10s);
  ASSERT_TRUE(draining["reconnect_in_ms"].is_number_integer());
  EXPECT_GE(draining["reconnect_in_ms"].get<int>(), 0);
  EXPECT_LE(draining["reconnect_in_ms"].get<int>(), 3000);
  EXPECT_EQ(ws.wait_close(5s), 1001);
  const auto code = server.wait_exit(15s);
  ASSERT_TRUE(code.has_value()) << "the node exits after draining";
  EXPECT_EQ(*code, 0);
}

TEST(DrainE2E, IdleKeepAliveConnectionsAreClosedAndInFlightRequestsFinish) {
  ScratchDatabase db;
  const auto port = free_port();
  ParleyProcess server(ParleyProcess::serve_args(port, db.url(), std::nullopt, {"--migrate"}));
  server.start();
  server.wait_healthy();
  HttpConnection idle(port);
  ASSERT_EQ(idle.request("GET", "/healthz").status, 200);
  server.send_signal(SIGINT);
  EXPECT_TRUE(idle.closed_by_peer(5s));
  EXPECT_EQ(server.wait_exit(15s).value_or(-1), 0);
}

TEST(CliE2E, InvalidConfigurationExitsTwoWithOneLineNamingIt) {
  auto r = ParleyProcess::run({"serve", "--database-url", "postgres://x@127.0.0.1/db", "--db-pool-size", "lots"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("db_pool_size"), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;

  auto env = ParleyProcess::run({"serve"}, {{"PARLEY_DATABASE_URL", "postgres://x@127.0.0.1/db"},
                                           {"PARLEY_LISTEN", "not-an-address"}});
  EXPECT_EQ(env.exit_code, 2);
  EXPECT_NE(env.output.find("PARLEY_LISTEN"), std::string::npos) << env.output;

  EXPECT_EQ(ParleyProcess::run({"serve"}).exit_code, 2) << "database_url is required";
  EXPECT_EQ(ParleyProcess::run({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(ParleyProcess::run({"version"}).exit_code, 0);
}

TEST(CliE2E, AppCreatePrintsKeysAndASecretOfAtLeast32Bytes) {
  ScratchDatabase db;
  ASSERT_EQ(ParleyProcess::run({"migrate", "--database-url", db.url()}).exit_code, 0);
  const auto a = create_app(db.url(), "one");
  const auto b = create_app(db.url(), "two");
  EXPECT_NE(a.api_key, b.api_key);
  EXPECT_NE(a.api_secret, b.api_secret);
  EXPECT_GE(a.api_secret.size(), 43u) << "32+ random bytes, base64url";
  EXPECT_FALSE(a.app_id.empty());
  EXPECT_NE(ParleyProcess::run({"app", "create", "--database-url", db.url()}).exit_code, 0) << "--name is required";
}

TEST(MigrateE2E, TwoNodesStartingAtOnceMigrateOnce) {
  ScratchDatabase db;
  const auto p1 = free_port();
  const auto p2 = free_port();
  ParleyProcess a(ParleyProcess::serve_args(p1, db.url(), std::nullopt, {"--migrate"}));
  ParleyProcess b(ParleyProcess::serve_args(p2, db.url(), std::nullopt, {"--migrate"}));
  a.start();
  b.start();
  a.wait_healthy();
  b.wait_healthy();
  auto r = ParleyProcess::run({"migrate", "--database-url", db.url()});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("\"applied\":[]"), std::string::npos) << r.output;
  EXPECT_EQ(a.stop(), 0);
  EXPECT_EQ(b.stop(), 0);
}
