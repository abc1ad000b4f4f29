#pragma once
// Shared set-up for end-to-end tests: a scratch database, a real `parley serve`
// on a free port, and an app with tokens minted by the real CLI.
#include "support/free_port.hpp"
#include "support/http_client.hpp"
#include "support/parley_process.hpp"
#include "support/redis_process.hpp"
#include "support/scratch_database.hpp"
#include "support/test_env.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <thread>

namespace parley::test {

using namespace std::chrono_literals;

struct AppKeys {
  std::string app_id, api_key, api_secret;
};

/// Runs `parley app create` against `database_url` (migrated) and returns its JSON.
inline AppKeys create_app(const std::string& database_url, const std::string& name = "e2e") {
  auto r = ParleyProcess::run({"app", "create", "--name", name, "--database-url", database_url});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  return {j.at("app_id"), j.at("api_key"), j.at("api_secret")};
}

/// Runs `parley token create` and returns the token.
inline std::string create_token(const std::string& database_url, const std::string& api_key,
                                const std::string& user_id) {
  auto r = ParleyProcess::run(
      {"token", "create", "--api-key", api_key, "--user-id", user_id, "--database-url", database_url});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::string token = r.output;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token.substr(token.rfind('\n') == std::string::npos ? 0 : token.rfind('\n') + 1);
}

/// Polls `pred` every 50 ms until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

/// Checks the JSON error envelope of API.md section 3.
inline void expect_error_envelope(const HttpResponse& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_FALSE(r.header("x-request-id").empty()) << "every response carries X-Request-Id";
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.body;
  ASSERT_TRUE(j.contains("error")) << r.body;
  EXPECT_EQ(j["error"]["code"], code) << r.body;
  EXPECT_EQ(j["error"]["status"], status) << r.body;
  EXPECT_TRUE(j["error"]["message"].is_string()) << r.body;
  EXPECT_TRUE(j["error"]["details"].is_object()) << r.body;
}

/// An app as its callers see it: keys, a server token and user tokens (users upserted).
/// The value of the series `series` (a metric name, with its {labels} if any) in a /metrics text,
/// or -1 when absent.
inline double metric_in(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

/// The same, read from the node at `port`.
inline double metric_of(std::uint16_t port, const std::string& series) {
  return metric_in(http_request(port, "GET", "/metrics").body, series);
}

struct TestApp {
  AppKeys keys;
  std::string server_token;
  std::map<std::string, std::string> user_tokens;

  /// Headers that call the API as `who` ("server" or a user id).
  std::map<std::string, std::string> as(const std::string& who) const {
    const auto& token = who == "server" ? server_token : user_tokens.at(who);
    return {{"X-Api-Key", keys.api_key}, {"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  }
};

/// Creates an app named `name` through the CLI, a server token, and the users `user_ids` with tokens.
inline TestApp make_test_app(std::uint16_t port, const std::string& database_url, const std::string& name,
                          const std::vector<std::string>& user_ids = {"alice", "bob", "mallory"}) {
  TestApp t;
  t.keys = create_app(database_url, name);
  auto r = ParleyProcess::run({"token", "create", "--api-key", t.keys.api_key, "--server", "--database-url", database_url});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  t.server_token = r.output.substr(0, r.output.find('\n'));
  nlohmann::json users = nlohmann::json::array();
  for (const auto& u : user_ids) {
    auto tok = http_request(port, "POST", "/v1/users/" + u + "/token", R"({"exp_s":3600})", t.as("server"));
    EXPECT_EQ(tok.status, 200) << tok.body;
    t.user_tokens[u] = tok.json()["token"];
    users.push_back({{"id", u}});
  }
  auto up = http_request(port, "POST", "/v1/users", nlohmann::json{{"users", users}}.dump(), t.as("server"));
  EXPECT_EQ(up.status, 201) << up.body;
  return t;
}

/// A suite's fixture: a scratch database and one real `parley serve --migrate` on a free port.
/// Suites derive from it, call ServerTest::SetUp() first, then make their apps.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = free_port();
    server_ = std::make_unique<ParleyProcess>(ParleyProcess::serve_args(port_, db_.url(), std::nullopt, {"--migrate"}));
    server_->start();
    server_->wait_healthy();
  }

  /// Calls the API of `app` as `who` ("server" or a user id).
  HttpResponse call(const TestApp& app, const std::string& who, const std::string& method, const std::string& target,
                    const std::string& body = "") {
    return http_request(port_, method, target, body, app.as(who));
  }

  ScratchDatabase db_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ParleyProcess> server_;
};

/// Two `parley serve` nodes (A migrates first) sharing one scratch PostgreSQL and one Redis: the cluster
/// of the real-time suites. Call start_nodes() from SetUp; app_ is the suite's to fill.
class TwoNodeTest : public ::testing::Test {
 protected:
  void start_nodes(const std::vector<std::string>& extra = {}) {
    redis_.start();
    for (auto* port : {&port_a_, &port_b_}) *port = free_port();
    auto args_a = extra;
    args_a.push_back("--migrate");
    node_a_ = std::make_unique<ParleyProcess>(ParleyProcess::serve_args(port_a_, db_.url(), redis_.url(), args_a));
    node_a_->start();
    node_a_->wait_healthy();
    node_b_ = std::make_unique<ParleyProcess>(ParleyProcess::serve_args(port_b_, db_.url(), redis_.url(), extra));
    node_b_->start();
    node_b_->wait_healthy();
  }

  ScratchDatabase db_;
  RedisProcess redis_;
  std::uint16_t port_a_ = 0, port_b_ = 0;
  std::unique_ptr<ParleyProcess> node_a_, node_b_;
  TestApp app_;
};

}  // namespace parley::test
