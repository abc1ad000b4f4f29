// The real binary over real sockets: system endpoints, limits, envelopes, keep-alive.
#include "e2e_fixture.hpp"
#include "support/http_connection.hpp"
#include "support/raw_socket.hpp"

using namespace parley::test;

class HttpServerE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = free_port();
    server_ = std::make_unique<ParleyProcess>(ParleyProcess::serve_args(
        port_, db_.url(), test_redis_url(),
        {"--migrate", "--node-id", "e2e-http", "--http-header-timeout-ms", "700", "--io-threads", "2"}));
    server_->start();
    server_->wait_healthy();
  }

  ScratchDatabase db_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ParleyProcess> server_;
};

TEST_F(HttpServerE2E, HealthzAndReadyzWithRedis) {
  auto h = http_request(port_, "GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.json()["status"], "ok");
  EXPECT_EQ(h.json()["node"], "e2e-http");
  EXPECT_EQ(h.header("x-request-id").size(), 24u);
  auto r = http_request(port_, "GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["checks"]["postgres"], "ok");
  EXPECT_EQ(r.json()["checks"]["redis"], "ok");
}

TEST_F(HttpServerE2E, ClientRequestIdIsEchoed) {
  auto r = http_request(port_, "GET", "/healthz", "", {{"X-Request-Id", "trace-abc.123"}});
  EXPECT_EQ(r.header("x-request-id"), "trace-abc.123");
}

TEST_F(HttpServerE2E, UnknownRouteAndWrongMethodUseTheEnvelope) {
  expect_error_envelope(http_request(port_, "GET", "/v1/no/such/thing"), 404, "not_found");
  auto r = http_request(port_, "DELETE", "/healthz");
  expect_error_envelope(r, 405, "method_not_allowed");
  EXPECT_EQ(r.header("allow"), "GET");
}

TEST_F(HttpServerE2E, OversizedBodyIs413) {
  const std::string body(1024 * 1024 + 1, 'x');
  expect_error_envelope(http_request(port_, "POST", "/healthz", body), 413, "payload_too_large");
  // Exactly at the limit the body is read and routing answers (405 here: /healthz is GET only).
  const std::string at_limit(1024 * 1024, 'x');
  EXPECT_EQ(http_request(port_, "POST", "/healthz", at_limit).status, 405);
}

TEST_F(HttpServerE2E, OversizedHeaderBlockIs431) {
  auto r = http_request(port_, "GET", "/healthz", "", {{"X-Padding", std::string(17 * 1024, 'a')}});
  EXPECT_EQ(r.status, 431) << r.body;
  EXPECT_EQ(r.json()["error"]["status"], 431);
  EXPECT_FALSE(r.header("x-request-id").empty());
  EXPECT_EQ(http_request(port_, "GET", "/healthz").status, 200) << "the node lives on";
}

TEST_F(HttpServerE2E, MalformedRequestIs400AndTheNodeLivesOn) {
  RawSocket s(port_);
  s.send("GARBAGE / HTTP/9.9\r\n\r\n");
  const auto reply = s.read_until_close(5s);
  EXPECT_NE(reply.find("400"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\"invalid_request\""), std::string::npos) << reply;
  EXPECT_EQ(http_request(port_, "GET", "/healthz").status, 200);
}

TEST_F(HttpServerE2E, SlowlorisIsCutOffByTheHeaderTimeout) {
  RawSocket s(port_);
  ASSERT_TRUE(s.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  // The head never completes: the server closes within http_header_timeout_ms (700 ms here).
  EXPECT_TRUE(s.closed_by_peer(5s));
  EXPECT_EQ(http_request(port_, "GET", "/healthz").status, 200);
}

TEST_F(HttpServerE2E, KeepAliveServesSeveralRequestsOnOneConnection) {
  HttpConnection c(port_);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.request("GET", "/healthz").status, 200);
  EXPECT_TRUE(c.is_open());
  auto last = c.request("GET", "/healthz", "", {{"Connection", "close"}});
  EXPECT_EQ(last.status, 200);
  EXPECT_TRUE(c.closed_by_peer(3s));
}

TEST_F(HttpServerE2E, MetricsExposeConnectionsRequestsLatencyPoolAndRedis) {
  http_request(port_, "GET", "/healthz");
  http_request(port_, "GET", "/nope");
  auto m = http_request(port_, "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.header("content-type").find("text/plain"), std::string::npos);
  for (const char* needle : {
           "parley_http_connections_open ",
           "parley_ws_connections_open ",
           "parley_ws_writes_total ",
           "parley_http_requests_total{route_class=\"system\",status=\"200\"} ",
           "parley_http_requests_total{route_class=\"unmatched\",status=\"404\"} 1",
           "parley_http_request_duration_seconds_bucket{route_class=\"system\",le=\"+Inf\"} ",
           "parley_http_request_duration_seconds_count{route_class=\"system\"} ",
           "parley_db_pool_in_use ",
           "parley_db_pool_waiting ",
           "parley_db_pool_size 8",
           "parley_redis_connected 1",
       }) {
    EXPECT_NE(m.body.find(needle), std::string::npos) << "missing: " << needle;
  }
}

TEST(HttpServerE2ENoRedis, ReadyzWithoutRedisUsesTheEmbeddedBus) {
  ScratchDatabase db;
  const auto port = free_port();
  ParleyProcess server(ParleyProcess::serve_args(port, db.url(), std::nullopt, {"--migrate"}));
  server.start();
  server.wait_healthy();
  auto r = http_request(port, "GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["checks"]["redis"], "not_configured");
  EXPECT_NE(http_request(port, "GET", "/metrics").body.find("parley_redis_connected 0"), std::string::npos);
  EXPECT_EQ(server.stop(), 0);
}

TEST(HttpServerE2ERedisDown, ReadyzFollowsRedisAndPostgres) {
  ScratchDatabase db;
  RedisProcess redis;
  redis.start();
  const auto port = free_port();
  ParleyProcess server(ParleyProcess::serve_args(port, db.url(), redis.url(), {"--migrate"}));
  server.start();
  server.wait_healthy();
  EXPECT_TRUE(eventually([&] { return http_request(port, "GET", "/readyz").status == 200; }));
  redis.kill();
  EXPECT_TRUE(eventually([&] { return http_request(port, "GET", "/readyz").status == 503; }));
  auto down = http_request(port, "GET", "/readyz");
  expect_error_envelope(down, 503, "unavailable");
  EXPECT_EQ(down.json()["error"]["details"]["checks"]["redis"], "disconnected");
  EXPECT_EQ(http_request(port, "GET", "/healthz").status, 200) << "alive even when not ready";
  redis.start();
  EXPECT_TRUE(eventually([&] { return http_request(port, "GET", "/readyz").status == 200; }, 20s));
  EXPECT_EQ(server.stop(), 0);
}
