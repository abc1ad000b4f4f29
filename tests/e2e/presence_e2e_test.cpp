// Presence and the per-user connection limit end to end: two parley nodes
// (heartbeat 1 s) sharing one PostgreSQL and one Redis, real WebSocket clients;
// one node without Redis for the single-node (in-memory) presence.
#include "e2e_fixture.hpp"
#include "support/ws_client.hpp"

using namespace parley::test;

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

/// The next user.presence.changed for `user` (others are skipped); null on timeout.
nlohmann::json next_presence(WsClient& ws, const std::string& user, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!ws.wait_for_message(std::chrono::milliseconds(50))) continue;
    auto m = ws.read_json();
    if (m["type"] == "user.presence.changed" && m["user"]["id"] == user) return m;
  }
  return nullptr;
}

/// The "online" flag of `user` among a watch result's members.
std::optional<bool> member_online(const nlohmann::json& ack, const std::string& cid, const std::string& user) {
  const auto& members = ack["result"]["channels"][cid]["state"]["members"];
  for (const auto& m : members) {
    if (m["user_id"] == user) return m.value("online", false);
  }
  return std::nullopt;
}

}  // namespace

class PresenceE2E : public TwoNodeTest {
 protected:
  void SetUp() override {
    start_nodes({"--ws-heartbeat-s", "1"});  // presence heartbeat 1 s: dead nodes found within 1.5 s
    app_ = make_test_app(port_a_, db_.url(), "presence", {"alice", "bob", "carol"});
    auto r = http_request(port_a_, "PUT", "/v1/channels/messaging/room", R"({"members":["alice","bob"]})",
                          app_.as("alice"));
    ASSERT_EQ(r.status, 201) << r.body;
  }

  std::unique_ptr<WsClient> connect(std::uint16_t port, const std::string& user, nlohmann::json* first = nullptr) {
    auto ws = std::make_unique<WsClient>();
    EXPECT_EQ(ws->connect(port, "/v1/connect?api_key=" + app_.keys.api_key + "&token=" + app_.user_tokens.at(user)),
              101);
    auto m = ws->read_json();
    if (first != nullptr) *first = m;
    return ws;
  }

  /// Alice's watcher of messaging:room with presence, and the watch ack.
  std::unique_ptr<WsClient> presence_watcher(std::uint16_t port, nlohmann::json* ack = nullptr) {
    nlohmann::json ok;
    auto ws = connect(port, "alice", &ok);
    EXPECT_EQ(ok["type"], "connection.ok") << ok;
    auto a = ws->request({{"op", "watch"}, {"channels", {{"messaging:room", nullptr}}}, {"presence", true}});
    EXPECT_EQ(a["ok"], true) << a;
    if (ack != nullptr) *ack = a;
    return ws;
  }

};

TEST_F(PresenceE2E, OnlineAcrossNodesSeveralDevicesAndOfflineWithinTwoSecondsOfTheLastCleanClose) {
  nlohmann::json ack;
  auto alice = presence_watcher(port_a_, &ack);
  EXPECT_EQ(member_online(ack, "messaging:room", "bob"), false) << ack;
  EXPECT_EQ(member_online(ack, "messaging:room", "alice"), true) << ack;  // her own connection counts

  auto bob_phone = connect(port_b_, "bob");  // on the other node
  auto online = next_presence(*alice, "bob", std::chrono::seconds(5));
  ASSERT_FALSE(online.is_null());
  EXPECT_EQ(online["user"]["online"], true) << online;
  EXPECT_TRUE(online.contains("created_at"));

  auto bob_laptop = connect(port_a_, "bob");  // a second device: no new event
  EXPECT_TRUE(next_presence(*alice, "bob", std::chrono::milliseconds(800)).is_null());

  nlohmann::json ack2;
  auto alice2 = presence_watcher(port_b_, &ack2);
  EXPECT_EQ(member_online(ack2, "messaging:room", "bob"), true) << ack2;

  bob_phone->close();  // one device left: still online
  EXPECT_TRUE(next_presence(*alice, "bob", std::chrono::milliseconds(800)).is_null());

  const auto closed = Clock::now();
  bob_laptop->close();
  auto offline = next_presence(*alice, "bob", std::chrono::seconds(5));
  ASSERT_FALSE(offline.is_null());
  EXPECT_EQ(offline["user"]["online"], false) << offline;
  EXPECT_LT(ms_since(closed), 2000) << "offline must be announced within 2 s of the last clean close";
  auto offline2 = next_presence(*alice2, "bob", std::chrono::seconds(5));  // the watcher on the other node too
  ASSERT_FALSE(offline2.is_null());
  EXPECT_EQ(offline2["user"]["online"], false);
}

TEST_F(PresenceE2E, InvisibleUsersAppearOffline) {
  auto alice = presence_watcher(port_a_);
  auto bob = connect(port_b_, "bob");
  ASSERT_EQ(next_presence(*alice, "bob", std::chrono::seconds(5))["user"]["online"], true);

  auto set = bob->request({{"op", "presence.set"}, {"invisible", true}});
  ASSERT_EQ(set["ok"], true) << set;
  EXPECT_EQ(set["result"]["invisible"], true);
  auto hidden = next_presence(*alice, "bob", std::chrono::seconds(5));
  ASSERT_FALSE(hidden.is_null());
  EXPECT_EQ(hidden["user"]["online"], false);
  EXPECT_FALSE(hidden["user"].contains("invisible")) << "invisibility itself is not revealed";

  nlohmann::json ack;
  auto alice_again = presence_watcher(port_a_, &ack);
  EXPECT_EQ(member_online(ack, "messaging:room", "bob"), false) << ack;

  // A second, visible device of bob makes him online again; closing it hides him again.
  auto bob2 = connect(port_a_, "bob");
  ASSERT_EQ(next_presence(*alice, "bob", std::chrono::seconds(5))["user"]["online"], true);
  bob2->close();
  ASSERT_EQ(next_presence(*alice, "bob", std::chrono::seconds(5))["user"]["online"], false);

  ASSERT_EQ(bob->request({{"op", "presence.set"}, {"invisible", false}})["ok"], true);
  ASSERT_EQ(next_presence(*alice, "bob", std::chrono::seconds(5))["user"]["online"], true);

  // Bad input gets an error ack and the connection lives on.
  auto bad = bob->request({{"op", "presence.set"}, {"invisible", "yes"}});
  EXPECT_EQ(bad["ok"], false);
  EXPECT_EQ(bad["error"]["code"], "invalid_request");
  auto bad_watch = bob->request({{"op", "watch"}, {"channels", {{"messaging:room", nullptr}}}, {"presence", 1}});
  EXPECT_EQ(bad_watch["ok"], false);
  EXPECT_EQ(bob->request({{"op", "ping"}})["ok"], true);

  // A server-side connection has no presence.
  WsClient server;
  ASSERT_EQ(server.connect(port_a_, "/v1/connect?api_key=" + app_.keys.api_key + "&token=" + app_.server_token), 101);
  ASSERT_EQ(server.read_json()["type"], "connection.ok");
  auto srv = server.request({{"op", "presence.set"}, {"invisible", true}});
  EXPECT_EQ(srv["ok"], false);
}

TEST_F(PresenceE2E, OfflineWithinTwoHeartbeatsAfterANodeIsKilled) {
  auto alice = presence_watcher(port_a_);
  auto bob = connect(port_b_, "bob");
  ASSERT_EQ(next_presence(*alice, "bob", std::chrono::seconds(5))["user"]["online"], true);
  // Let node B refresh its registration at least once after bob arrived.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));

  const auto killed = Clock::now();
  node_b_->kill();
  auto offline = next_presence(*alice, "bob", std::chrono::seconds(10));
  ASSERT_FALSE(offline.is_null()) << "the surviving node must announce bob offline";
  EXPECT_EQ(offline["user"]["online"], false);
  const auto elapsed = ms_since(killed);
  EXPECT_LT(elapsed, 2000) << "heartbeat is 1 s: offline within two heartbeats of the node's death";
  std::cout << "offline announced " << elapsed << " ms after kill -9\n";

  // The dead node's connections no longer count against bob's limit or presence.
  nlohmann::json ack;
  auto again = presence_watcher(port_a_, &ack);
  EXPECT_EQ(member_online(ack, "messaging:room", "bob"), false) << ack;
}

TEST_F(PresenceE2E, TheEleventhConnectionOfAUserAcrossNodesClosesWith4029) {
  std::vector<std::unique_ptr<WsClient>> bob;
  for (int i = 0; i < 10; ++i) {
    nlohmann::json first;
    bob.push_back(connect(i % 2 == 0 ? port_a_ : port_b_, "bob", &first));
    ASSERT_EQ(first["type"], "connection.ok") << i << " " << first;
  }
  for (auto port : {port_a_, port_b_}) {
    nlohmann::json first;
    auto extra = connect(port, "bob", &first);
    EXPECT_EQ(first["type"], "connection.error") << first;
    EXPECT_EQ(first["error"]["code"], "rate_limited") << first;
    EXPECT_EQ(first["error"]["status"], 429);
    EXPECT_EQ(first["error"]["details"]["max"], 10);
    EXPECT_EQ(extra->wait_close(), 4029);
  }
  // Other users are not affected.
  nlohmann::json carol_first;
  auto carol = connect(port_b_, "carol", &carol_first);
  EXPECT_EQ(carol_first["type"], "connection.ok");
  // Closing one of bob's connections makes room for exactly one more.
  bob.back()->close();
  bob.pop_back();
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  nlohmann::json first;
  std::unique_ptr<WsClient> replacement;
  while (Clock::now() < deadline) {  // the close reaches Redis asynchronously
    replacement = connect(port_a_, "bob", &first);
    if (first["type"] == "connection.ok") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(first["type"], "connection.ok") << first;
  nlohmann::json over;
  auto eleventh = connect(port_b_, "bob", &over);
  EXPECT_EQ(over["type"], "connection.error") << over;
  EXPECT_EQ(eleventh->wait_close(), 4029);
}

TEST(PresenceSingleNodeE2E, PresenceAndTheConnectionLimitWithoutRedis) {
  ScratchDatabase db;
  const auto port = free_port();
  ParleyProcess node(ParleyProcess::serve_args(port, db.url(), std::nullopt,
                                               {"--migrate", "--ws-max-connections-per-user", "2"}));
  node.start();
  node.wait_healthy();
  TestApp app = make_test_app(port, db.url(), "solo", {"alice", "bob"});
  ASSERT_EQ(http_request(port, "PUT", "/v1/channels/messaging/room", R"({"members":["alice","bob"]})",
                         app.as("alice"))
                .status,
            201);
  auto open = [&](const std::string& user, nlohmann::json& first) {
    auto ws = std::make_unique<WsClient>();
    EXPECT_EQ(ws->connect(port, "/v1/connect?api_key=" + app.keys.api_key + "&token=" + app.user_tokens.at(user)), 101);
    first = ws->read_json();
    return ws;
  };
  nlohmann::json first;
  auto alice = open("alice", first);
  ASSERT_EQ(first["type"], "connection.ok");
  ASSERT_EQ(alice->request({{"op", "watch"}, {"channels", {{"messaging:room", nullptr}}}, {"presence", true}})["ok"],
            true);
  auto bob1 = open("bob", first);
  ASSERT_EQ(first["type"], "connection.ok");
  ASSERT_EQ(next_presence(*alice, "bob", std::chrono::seconds(5))["user"]["online"], true);
  auto bob2 = open("bob", first);
  ASSERT_EQ(first["type"], "connection.ok");
  auto bob3 = open("bob", first);
  EXPECT_EQ(first["type"], "connection.error");
  EXPECT_EQ(bob3->wait_close(), 4029);
  bob1->close();
  EXPECT_TRUE(next_presence(*alice, "bob", std::chrono::milliseconds(500)).is_null());
  bob2->close();
  ASSERT_EQ(next_presence(*alice, "bob", std::chrono::seconds(2))["user"]["online"], false);
}
