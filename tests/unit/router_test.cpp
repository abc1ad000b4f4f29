#include "parley/http/dispatch.hpp"
#include "parley/http/router.hpp"
#include "parley/storage/db_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

namespace bhttp = boost::beast::http;
using namespace parley;

namespace {

http::Handler reply(std::string text) {
  return [text](http::RequestContext& ctx) -> boost::asio::awaitable<http::Response> {
    nlohmann::json params = ctx.params;
    co_return http::json_response(200, {{"handler", text}, {"params", params}, {"query", ctx.query}});
  };
}

struct Dispatched {
  http::Response response;
  obs::RouteClass route_class;
};

Dispatched run(const http::Router& router, bhttp::verb method, const std::string& target) {
  boost::asio::io_context io;
  config::Config cfg;
  http::Request req{method, target, 11};
  obs::RouteClass rc{};
  // dispatch() takes references: they must outlive io.run().
  const std::string request_id = "rid-1";
  const std::string remote_ip = "127.0.0.1";
  auto fut = boost::asio::co_spawn(io, http::dispatch(router, cfg, req, request_id, remote_ip, rc),
                                   boost::asio::use_future);
  io.run();
  return {fut.get(), rc};
}

http::Router make_router() {
  http::Router r;
  r.add(bhttp::verb::get, "/v1/channels/{type}/{id}", obs::RouteClass::read, reply("get-channel"));
  r.add(bhttp::verb::put, "/v1/channels/{type}/{id}", obs::RouteClass::write, reply("put-channel"));
  r.add(bhttp::verb::get, "/v1/channels", obs::RouteClass::read, reply("list"));
  r.add(bhttp::verb::get, "/boom", obs::RouteClass::read,
        [](http::RequestContext&) -> boost::asio::awaitable<http::Response> {
          throw std::runtime_error("secret internals");
          co_return http::json_response(200, {});
        });
  r.add(bhttp::verb::get, "/busy", obs::RouteClass::read,
        [](http::RequestContext&) -> boost::asio::awaitable<http::Response> {
          throw storage::DbUnavailable("database queue is full");
          co_return http::json_response(200, {});
        });
  return r;
}

}  // namespace

TEST(Router, MatchesPatternsAndCapturesParams) {
  const auto r = make_router();
  auto d = run(r, bhttp::verb::get, "/v1/channels/messaging/general?limit=5&q=a%20b");
  EXPECT_EQ(d.response.result_int(), 200u);
  const auto body = nlohmann::json::parse(d.response.body());
  EXPECT_EQ(body["handler"], "get-channel");
  EXPECT_EQ(body["params"]["type"], "messaging");
  EXPECT_EQ(body["params"]["id"], "general");
  EXPECT_EQ(body["query"]["limit"], "5");
  EXPECT_EQ(body["query"]["q"], "a b");
  EXPECT_EQ(d.route_class, obs::RouteClass::read);
  EXPECT_EQ(nlohmann::json::parse(run(r, bhttp::verb::put, "/v1/channels/a/b").response.body())["handler"],
            "put-channel");
}

TEST(Router, UnknownPathIs404InTheEnvelope) {
  const auto r = make_router();
  auto d = run(r, bhttp::verb::get, "/v1/nothing/here");
  EXPECT_EQ(d.response.result_int(), 404u);
  const auto body = nlohmann::json::parse(d.response.body());
  EXPECT_EQ(body["error"]["code"], "not_found");
  EXPECT_EQ(body["error"]["status"], 404);
  EXPECT_TRUE(body["error"]["message"].is_string());
  EXPECT_TRUE(body["error"]["details"].is_object());
  EXPECT_EQ(d.route_class, obs::RouteClass::unmatched);
}

TEST(Router, WrongMethodIs405WithAllow) {
  const auto r = make_router();
  auto d = run(r, bhttp::verb::delete_, "/v1/channels/messaging/general");
  EXPECT_EQ(d.response.result_int(), 405u);
  EXPECT_EQ(std::string(d.response[bhttp::field::allow]), "GET, PUT");
  const auto body = nlohmann::json::parse(d.response.body());
  EXPECT_EQ(body["error"]["code"], "method_not_allowed");
  EXPECT_EQ(body["error"]["status"], 405);
}

TEST(Router, HandlerExceptionIs500WithoutInternals) {
  const auto r = make_router();
  auto d = run(r, bhttp::verb::get, "/boom");
  EXPECT_EQ(d.response.result_int(), 500u);
  EXPECT_EQ(d.response.body().find("secret internals"), std::string::npos);
  const auto body = nlohmann::json::parse(d.response.body());
  EXPECT_EQ(body["error"]["code"], "internal");
  EXPECT_EQ(body["error"]["details"]["request_id"], "rid-1");
}

TEST(Router, BrokenPercentEncodingIs400) {
  const auto r = make_router();
  auto d = run(r, bhttp::verb::get, "/v1/channels?x=%zz");
  EXPECT_EQ(d.response.result_int(), 400u);
  EXPECT_EQ(nlohmann::json::parse(d.response.body())["error"]["code"], "invalid_request");
}

TEST(Router, HeadIsServedByGet) {
  const auto r = make_router();
  EXPECT_EQ(run(r, bhttp::verb::head, "/v1/channels").response.result_int(), 200u);
}

TEST(RequestId, KeepsASaneClientIdAndReplacesAnInsaneOne) {
  http::Request req{bhttp::verb::get, "/", 11};
  req.set("X-Request-Id", "abc-123_x.y");
  EXPECT_EQ(http::request_id_for(req), "abc-123_x.y");
  req.set("X-Request-Id", "bad id\"<script>");
  const auto id = http::request_id_for(req);
  EXPECT_NE(id, "bad id\"<script>");
  EXPECT_EQ(id.size(), 24u);
  http::Request none{bhttp::verb::get, "/", 11};
  EXPECT_NE(http::request_id_for(none), http::request_id_for(none));
}

TEST(Json, DepthLimitIsEnforced) {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  auto r = http::parse_json_limited(deep, 32);
  ASSERT_TRUE(std::holds_alternative<protocol::ApiError>(r));
  EXPECT_EQ(std::get<protocol::ApiError>(r).code, "invalid_json");
  std::string ok;
  for (int i = 0; i < 10; ++i) ok += "{\"a\":";
  ok += "1";
  for (int i = 0; i < 10; ++i) ok += "}";
  EXPECT_TRUE(std::holds_alternative<nlohmann::json>(http::parse_json_limited(ok, 32)));
  EXPECT_TRUE(std::holds_alternative<protocol::ApiError>(http::parse_json_limited("{\"a\":", 32)));
}

TEST(Router, SaturatedDatabaseIs503Unavailable) {
  const auto r = make_router();
  auto d = run(r, bhttp::verb::get, "/busy");
  EXPECT_EQ(d.response.result_int(), 503u);
  const auto body = nlohmann::json::parse(d.response.body());
  EXPECT_EQ(body["error"]["code"], "unavailable");
  EXPECT_EQ(body["error"]["status"], 503);
}

TEST(Json, NulCharactersAreRefused) {
  EXPECT_TRUE(std::holds_alternative<protocol::ApiError>(http::parse_json_limited(R"({"text":"a\u0000b"})", 32)));
  EXPECT_TRUE(std::holds_alternative<protocol::ApiError>(http::parse_json_limited(R"({"c":{"k\u0000":1}})", 32)));
  EXPECT_TRUE(std::holds_alternative<protocol::ApiError>(http::parse_json_limited(R"([["\u0000"]])", 32)));
  EXPECT_TRUE(std::holds_alternative<nlohmann::json>(http::parse_json_limited(R"({"text":"a\\u0000b"})", 32)))
      << "an escaped backslash followed by u0000 is plain text";
}
