// Real-time fan-out end to end: two parley nodes sharing one PostgreSQL and one
// Redis, real WebSocket clients, REST and WebSocket writers.
#include "e2e_fixture.hpp"
#include "support/ws_client.hpp"

#include "parley/auth/jwt.hpp"
#include "parley/protocol/timestamp.hpp"

#include <atomic>
#include <thread>

using namespace parley::test;

class RealtimeE2E : public TwoNodeTest {
 protected:
  void SetUp() override {
    start_nodes();
    app_ = make_test_app(port_a_, db_.url(), "rt-a", {"alice", "bob", "carol", "mallory"});
  }

  /// A connected client of `user` on `port`, past its connection.ok (returned in `ok` when given).
  std::unique_ptr<WsClient> connect(std::uint16_t port, const std::string& user, nlohmann::json* ok = nullptr,
                                    const TestApp* app = nullptr) {
    const TestApp& a = app ? *app : app_;
    auto ws = std::make_unique<WsClient>();
    EXPECT_EQ(ws->connect(port, "/v1/connect?api_key=" + a.keys.api_key + "&token=" + a.user_tokens.at(user)), 101);
    auto first = ws->read_json();
    EXPECT_EQ(first["type"], "connection.ok") << first;
    if (ok) *ok = first;
    return ws;
  }

  HttpResponse rest(std::uint16_t port, const std::string& who, const std::string& method, const std::string& target,
                    const std::string& body = "", const TestApp* app = nullptr) {
    return http_request(port, method, target, body, (app ? *app : app_).as(who));
  }

  void make_channel(const std::string& id, const std::string& members) {
    auto r = rest(port_a_, "alice", "PUT", "/v1/channels/messaging/" + id, R"({"members":)" + members + "}");
    ASSERT_EQ(r.status, 201) << r.body;
  }

  /// Reads events until `count` of type message.new arrived; returns their seqs in arrival order.
  static std::vector<std::int64_t> read_new_seqs(WsClient& ws, std::size_t count,
                                                 std::chrono::milliseconds timeout = 15s) {
    std::vector<std::int64_t> seqs;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (seqs.size() < count && std::chrono::steady_clock::now() < deadline) {
      if (!ws.wait_for_message(100ms)) continue;
      const auto m = ws.read_json();
      if (m["type"] == "message.new") seqs.push_back(m["seq"].get<std::int64_t>());
    }
    return seqs;
  }

  /// True when no message.new arrives within `quiet`.
  static bool no_more_messages(WsClient& ws, std::chrono::milliseconds quiet = 500ms) {
    const auto deadline = std::chrono::steady_clock::now() + quiet;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!ws.wait_for_message(50ms)) continue;
      const auto m = ws.read_json();
      if (m["type"] == "message.new") {
        ADD_FAILURE() << "unexpected " << m;
        return false;
      }
    }
    return true;
  }

  static std::vector<std::int64_t> range(std::int64_t from, std::int64_t to) {
    std::vector<std::int64_t> r;
    for (auto i = from; i <= to; ++i) r.push_back(i);
    return r;
  }

};

TEST_F(RealtimeE2E, ConnectionOkCarriesTheUnreadTotal) {
  make_channel("unread", R"(["alice","bob"])");
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(rest(port_a_, "alice", "POST", "/v1/channels/messaging/unread/messages", R"({"text":"hi"})").status, 201);
  }
  nlohmann::json ok;
  auto bob = connect(port_b_, "bob", &ok);
  EXPECT_EQ(ok["me"]["total_unread_count"], 2) << ok;
  EXPECT_EQ(ok["me"]["unread_channels"], 1) << ok;
  EXPECT_EQ(ok["user"]["id"], "bob") << ok;
}

TEST_F(RealtimeE2E, EveryEventReachesWatchersOnBothNodesInOrder) {
  make_channel("team", R"(["alice","bob","carol"])");
  auto bob = connect(port_b_, "bob");
  auto carol = connect(port_a_, "carol");
  for (auto* ws : {bob.get(), carol.get()}) {
    const auto ack = ws->request({{"op", "watch"}, {"channels", {{"messaging:team", nullptr}}}});
    ASSERT_EQ(ack["ok"], true) << ack;
    EXPECT_EQ(ack["result"]["channels"]["messaging:team"]["recovered"], true) << ack;
    EXPECT_EQ(ack["result"]["channels"]["messaging:team"]["last_seq"], 0) << ack;
    EXPECT_EQ(ack["result"]["channels"]["messaging:team"]["state"]["channel"]["cid"], "messaging:team") << ack;
  }
  // Writers on both nodes: REST through either, and WebSocket sends.
  for (int i = 0; i < 10; ++i) {
    const auto port = i % 2 ? port_a_ : port_b_;
    ASSERT_EQ(rest(port, "alice", "POST", "/v1/channels/messaging/team/messages", R"({"text":"rest"})").status, 201);
  }
  auto alice = connect(port_b_, "alice");
  for (int i = 0; i < 5; ++i) {
    const auto ack = alice->request({{"op", "send"}, {"cid", "messaging:team"}, {"message", {{"text", "ws"}}}});
    ASSERT_EQ(ack["ok"], true) << ack;
    EXPECT_EQ(ack["result"]["message"]["seq"], 11 + i) << ack;
  }
  EXPECT_EQ(read_new_seqs(*bob, 15), range(1, 15)) << "node B watcher";
  EXPECT_EQ(read_new_seqs(*carol, 15), range(1, 15)) << "node A watcher";
  EXPECT_TRUE(no_more_messages(*bob));
  EXPECT_TRUE(no_more_messages(*carol));
  // Each node counts what it fanned out: at least the 15 channel events (notifications to the members
  // come on top), and one watched channel.
  const auto metrics_a = http_request(port_a_, "GET", "/metrics").body;
  const auto metrics_b = http_request(port_b_, "GET", "/metrics").body;
  EXPECT_NE(metrics_a.find("\nparley_watched_channels 1\n"), std::string::npos) << metrics_a;
  const auto delivered_at = metrics_b.find("\nparley_events_delivered_total ");
  ASSERT_NE(delivered_at, std::string::npos) << metrics_b;
  EXPECT_GE(std::stod(metrics_b.substr(delivered_at + 31)), 15.0) << metrics_b;
  // Other kinds of events travel the same way, with their seq.
  ASSERT_EQ(rest(port_a_, "alice", "PATCH", "/v1/channels/messaging/team", R"({"set":{"name":"Team"}})").status, 200);
  const auto updated = bob->read_until_type("channel.updated");
  EXPECT_EQ(updated["seq"], 16) << updated;
  EXPECT_EQ(updated["channel"]["name"], "Team") << updated;
}

TEST_F(RealtimeE2E, WatchWithAfterSeqReplaysThenGoesLiveWithoutGapOrDuplicate) {
  make_channel("replay", R"(["alice","bob"])");
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(rest(port_a_, "alice", "POST", "/v1/channels/messaging/replay/messages", R"({"text":"before"})").status,
              201);
  }
  // A writer keeps sending through node A while bob (re)watches on node B from seq 2.
  std::atomic<bool> stop{false};
  std::atomic<int> sent{5};
  std::thread writer([&] {
    HttpConnection conn(port_a_);
    while (!stop && sent < 45) {
      auto r = conn.request("POST", "/v1/channels/messaging/replay/messages", R"({"text":"during"})", app_.as("alice"));
      if (r.status == 201) ++sent;
    }
  });
  auto bob = connect(port_b_, "bob");
  const auto ack = bob->request({{"op", "watch"}, {"channels", {{"messaging:replay", 2}}}});
  ASSERT_EQ(ack["ok"], true) << ack;
  EXPECT_EQ(ack["result"]["channels"]["messaging:replay"]["recovered"], true);
  writer.join();
  const auto total = sent.load();
  // The missed events (3..) and the live ones, each exactly once, in seq order.
  EXPECT_EQ(read_new_seqs(*bob, static_cast<std::size_t>(total - 2)), range(3, total));
  EXPECT_TRUE(no_more_messages(*bob));
}

TEST_F(RealtimeE2E, EveryMessageArrivesAcrossARedisRestart) {
  make_channel("storm", R"(["alice","bob"])");
  auto bob = connect(port_b_, "bob");
  ASSERT_EQ(bob->request({{"op", "watch"}, {"channels", {{"messaging:storm", 0}}}})["ok"], true);
  auto send = [&](int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(rest(port_a_, "alice", "POST", "/v1/channels/messaging/storm/messages", R"({"text":"x"})").status, 201);
    }
  };
  send(10);
  EXPECT_EQ(read_new_seqs(*bob, 10), range(1, 10));
  redis_.kill();
  send(10);  // node A stores them; Redis is gone, so node B hears nothing of them for now
  redis_.start();
  // Once both nodes are back on Redis, node B fills what it missed from PostgreSQL.
  ASSERT_TRUE(eventually([&] { return http_request(port_b_, "GET", "/readyz").status == 200; }, 15s));
  ASSERT_TRUE(eventually([&] { return http_request(port_a_, "GET", "/readyz").status == 200; }, 15s));
  send(5);
  // 11..20 reach node B from PostgreSQL (the gap fill), 21..25 live: each frame in the same compact JSON.
  std::vector<std::int64_t> seqs;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (seqs.size() < 15 && std::chrono::steady_clock::now() < deadline) {
    if (!bob->wait_for_message(100ms)) continue;
    const auto text = bob->read_text();
    ASSERT_TRUE(text.has_value());
    const auto m = nlohmann::json::parse(*text);
    if (m["type"] != "message.new") continue;
    EXPECT_EQ(*text, m.dump()) << "filled and live frames are the same compact JSON";
    seqs.push_back(m["seq"].get<std::int64_t>());
  }
  EXPECT_EQ(seqs, range(11, 25));
  EXPECT_TRUE(no_more_messages(*bob));
}

TEST_F(RealtimeE2E, ReadReceiptsUnwatchAndErrors) {
  make_channel("rr", R"(["alice","bob"])");
  make_channel("private", R"(["alice"])");
  auto alice = connect(port_a_, "alice");
  auto bob = connect(port_b_, "bob");
  ASSERT_EQ(alice->request({{"op", "watch"}, {"channels", {{"messaging:rr", nullptr}}}})["ok"], true);
  ASSERT_EQ(rest(port_a_, "alice", "POST", "/v1/channels/messaging/rr/messages", R"({"text":"read me"})").status, 201);
  alice->read_until_type("message.new");
  const auto read = bob->request({{"op", "read"}, {"cid", "messaging:rr"}});
  ASSERT_EQ(read["ok"], true) << read;
  EXPECT_EQ(read["result"]["read"]["last_read_seq"], 1) << read;
  const auto receipt = alice->read_until_type("message.read");
  EXPECT_EQ(receipt["user"]["id"], "bob") << receipt;
  EXPECT_EQ(receipt["cid"], "messaging:rr") << receipt;
  EXPECT_EQ(receipt["last_read_seq"], 1) << receipt;

  // A channel bob may not read: a per-channel error, and nothing of it is delivered.
  const auto denied = bob->request({{"op", "watch"}, {"channels", {{"messaging:private", nullptr}, {"messaging:rr", nullptr}}}});
  ASSERT_EQ(denied["ok"], true) << denied;
  EXPECT_EQ(denied["result"]["channels"]["messaging:private"]["error"]["status"], 403) << denied;
  EXPECT_EQ(denied["result"]["channels"]["messaging:rr"]["recovered"], true) << denied;
  ASSERT_EQ(rest(port_a_, "alice", "POST", "/v1/channels/messaging/private/messages", R"({"text":"secret"})").status,
            201);
  EXPECT_TRUE(no_more_messages(*bob));

  // Unwatch: nothing more from that channel.
  ASSERT_EQ(bob->request({{"op", "unwatch"}, {"cids", {"messaging:rr"}}})["ok"], true);
  ASSERT_EQ(rest(port_a_, "alice", "POST", "/v1/channels/messaging/rr/messages", R"({"text":"gone"})").status, 201);
  EXPECT_TRUE(no_more_messages(*bob));

  // Malformed requests get error acks and the connection lives on.
  for (const auto& bad : {nlohmann::json{{"op", "watch"}},
                          nlohmann::json{{"op", "watch"}, {"channels", nlohmann::json::object()}},
                          nlohmann::json{{"op", "watch"}, {"channels", {{"messaging:rr", -1}}}},
                          nlohmann::json{{"op", "watch"}, {"channels", {{"messaging:rr", "x"}}}},
                          nlohmann::json{{"op", "send"}, {"cid", "nocolon"}, {"message", {{"text", "x"}}}},
                          nlohmann::json{{"op", "send"}, {"cid", "messaging:rr"}},
                          nlohmann::json{{"op", "send"}, {"cid", "messaging:rr"}, {"message", {{"text", 5}}}},
                          nlohmann::json{{"op", "read"}, {"cid", 7}},
                          nlohmann::json{{"op", "unwatch"}, {"cids", "messaging:rr"}}}) {
    const auto ack = bob->request(bad);
    EXPECT_EQ(ack["ok"], false) << bad << " -> " << ack;
    EXPECT_EQ(ack["error"]["status"], 400) << ack;
  }
  nlohmann::json too_many = {{"op", "watch"}, {"channels", nlohmann::json::object()}};
  for (int i = 0; i < 101; ++i) too_many["channels"]["messaging:c" + std::to_string(i)] = nullptr;
  EXPECT_EQ(bob->request(too_many)["ok"], false);
  const auto not_member_send = bob->request({{"op", "send"}, {"cid", "messaging:private"}, {"message", {{"text", "x"}}}});
  EXPECT_EQ(not_member_send["ok"], false);
  EXPECT_EQ(not_member_send["error"]["status"], 403) << not_member_send;
  EXPECT_EQ(bob->request({{"op", "ping"}})["ok"], true);
}

TEST_F(RealtimeE2E, TenantsNeverReceiveEachOthersEvents) {
  const TestApp other = make_test_app(port_a_, db_.url(), "rt-b", {"alice", "bob"});
  make_channel("same", R"(["alice","bob"])");
  auto r = rest(port_a_, "alice", "PUT", "/v1/channels/messaging/same", R"({"members":["alice","bob"]})", &other);
  ASSERT_EQ(r.status, 201) << r.body;
  auto their_bob = connect(port_b_, "bob", nullptr, &other);
  ASSERT_EQ(their_bob->request({{"op", "watch"}, {"channels", {{"messaging:same", nullptr}}}})["ok"], true);
  ASSERT_EQ(rest(port_a_, "alice", "POST", "/v1/channels/messaging/same/messages", R"({"text":"for app A"})").status,
            201);
  EXPECT_TRUE(no_more_messages(*their_bob, 800ms));
  ASSERT_EQ(rest(port_a_, "alice", "POST", "/v1/channels/messaging/same/messages", R"({"text":"for B"})", &other).status,
            201);
  const auto got = their_bob->read_until_type("message.new");
  EXPECT_EQ(got["message"]["text"], "for B");
}

TEST_F(RealtimeE2E, TypingIsRelayedThrottledAndStoppedByTheServer) {
  make_channel("typing", R"(["alice","bob"])");
  ASSERT_EQ(rest(port_a_, "alice", "PUT", "/v1/channels/livestream/stage", "{}").status, 201);
  auto alice = connect(port_a_, "alice");
  auto bob = connect(port_b_, "bob");
  for (auto* ws : {alice.get(), bob.get()}) {
    ASSERT_EQ(ws->request({{"op", "watch"}, {"channels", {{"messaging:typing", nullptr}, {"livestream:stage", nullptr}}}})["ok"],
              true);
  }
  auto start = alice->request({{"op", "typing.start"}, {"cid", "messaging:typing"}});
  ASSERT_EQ(start["ok"], true) << start;
  EXPECT_EQ(start["result"]["relayed"], true);
  auto seen = bob->read_until_type("typing.start");
  EXPECT_EQ(seen["user"]["id"], "alice") << seen;
  EXPECT_EQ(seen["cid"], "messaging:typing") << seen;
  // A refresh within 2 s is not relayed.
  EXPECT_EQ(alice->request({{"op", "typing.start"}, {"cid", "messaging:typing"}})["result"]["relayed"], false);
  ASSERT_EQ(alice->request({{"op", "typing.stop"}, {"cid", "messaging:typing"}})["ok"], true);
  const auto stopped = bob->read_until_type("typing.stop");
  EXPECT_EQ(stopped["user"]["id"], "alice");
  // Without a refresh the server stops the typing itself after 7 s.
  ASSERT_EQ(alice->request({{"op", "typing.start"}, {"cid", "messaging:typing"}, {"parent_id", "m1"}})["ok"], true);
  const auto thread_typing = bob->read_until_type("typing.start");
  EXPECT_EQ(thread_typing["parent_id"], "m1") << thread_typing;
  const auto began = std::chrono::steady_clock::now();
  const auto auto_stop = bob->read_until_type("typing.stop", 12s);
  EXPECT_GE(std::chrono::steady_clock::now() - began, 6s);
  EXPECT_EQ(auto_stop["parent_id"], "m1") << auto_stop;
  // The typist never gets its own typing events back.
  while (alice->wait_for_message(200ms)) {
    const auto m = alice->read_json();
    EXPECT_NE(m["type"].get<std::string>().rfind("typing.", 0), 0u) << m;
  }
  // livestream has no typing events; a channel not watched is refused.
  const auto off = alice->request({{"op", "typing.start"}, {"cid", "livestream:stage"}});
  EXPECT_EQ(off["ok"], false);
  EXPECT_EQ(off["error"]["details"]["switch"], "typing_events") << off;
  EXPECT_EQ(alice->request({{"op", "typing.start"}, {"cid", "messaging:other"}})["error"]["status"], 400);
}

TEST_F(RealtimeE2E, TypingIsThrottledPerUserAcrossTheirConnectionsOnAllNodes) {
  make_channel("typing2", R"(["alice","bob"])");
  auto phone = connect(port_a_, "alice");
  auto laptop = connect(port_b_, "alice");  // another node: the throttle is shared through Redis
  auto bob = connect(port_b_, "bob");
  for (auto* ws : {phone.get(), laptop.get(), bob.get()}) {
    ASSERT_EQ(ws->request({{"op", "watch"}, {"channels", {{"messaging:typing2", nullptr}}}})["ok"], true);
  }
  EXPECT_EQ(phone->request({{"op", "typing.start"}, {"cid", "messaging:typing2"}})["result"]["relayed"], true);
  // The same user on another connection within 2 s: not relayed again.
  EXPECT_EQ(laptop->request({{"op", "typing.start"}, {"cid", "messaging:typing2"}})["result"]["relayed"], false);
  EXPECT_EQ(bob->read_until_type("typing.start")["user"]["id"], "alice");
  while (bob->wait_for_message(300ms)) EXPECT_NE(bob->read_json()["type"], "typing.start");
  // Another user is not affected; after 2 s alice's next start is relayed.
  EXPECT_EQ(bob->request({{"op", "typing.start"}, {"cid", "messaging:typing2"}})["result"]["relayed"], true);
  std::this_thread::sleep_for(2100ms);
  EXPECT_EQ(laptop->request({{"op", "typing.start"}, {"cid", "messaging:typing2"}})["result"]["relayed"], true);
}

TEST_F(RealtimeE2E, FanoutLatencyIsMeasuredOnEveryNode) {
  make_channel("latency", R"(["alice","bob"])");
  auto on_a = connect(port_a_, "alice");
  auto on_b = connect(port_b_, "bob");
  for (auto* ws : {on_a.get(), on_b.get()}) {
    ASSERT_EQ(ws->request({{"op", "watch"}, {"channels", {{"messaging:latency", nullptr}}}})["ok"], true);
  }
  auto count_on = [](std::uint16_t port) {
    const auto body = http_request(port, "GET", "/metrics").body;
    const std::string name = "parley_fanout_latency_seconds_count ";
    const auto at = body.find(name);
    return at == std::string::npos ? -1.0 : std::stod(body.substr(at + name.size()));
  };
  const double before_a = count_on(port_a_), before_b = count_on(port_b_);
  ASSERT_GE(before_a, 0);
  ASSERT_GE(before_b, 0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(rest(port_a_, "alice", "POST", "/v1/channels/messaging/latency/messages", R"({"text":"t"})").status, 201);
  }
  EXPECT_EQ(read_new_seqs(*on_a, 3).size(), 3u);
  EXPECT_EQ(read_new_seqs(*on_b, 3).size(), 3u);
  EXPECT_GE(count_on(port_a_) - before_a, 3) << "local delivery, no Redis round trip";
  EXPECT_GE(count_on(port_b_) - before_b, 3) << "delivery through Redis";
}

TEST_F(RealtimeE2E, DeliveryReceiptsReachTheOtherWatchers) {
  make_channel("dlv", R"(["alice","bob"])");
  ASSERT_EQ(rest(port_a_, "alice", "PUT", "/v1/channels/livestream/show", "{}").status, 201);
  auto alice = connect(port_a_, "alice");
  auto bob = connect(port_b_, "bob");
  for (auto* ws : {alice.get(), bob.get()}) {
    ASSERT_EQ(ws->request({{"op", "watch"}, {"channels", {{"messaging:dlv", nullptr}, {"livestream:show", nullptr}}}})["ok"],
              true);
  }
  ASSERT_EQ(rest(port_a_, "alice", "POST", "/v1/channels/messaging/dlv/messages", R"({"text":"hi"})").status, 201);
  bob->read_until_type("message.new");
  const auto ack = bob->request({{"op", "delivered"}, {"cid", "messaging:dlv"}, {"seq", 1}});
  ASSERT_EQ(ack["ok"], true) << ack;
  const auto receipt = alice->read_until_type("message.delivered");
  EXPECT_EQ(receipt["user"]["id"], "bob") << receipt;
  EXPECT_EQ(receipt["last_delivered_seq"], 1) << receipt;
  EXPECT_EQ(bob->request({{"op", "delivered"}, {"cid", "messaging:dlv"}})["ok"], false);
  EXPECT_EQ(bob->request({{"op", "delivered"}, {"cid", "livestream:show"}, {"seq", 1}})["error"]["details"]["switch"],
            "delivery_events");
}

TEST_F(RealtimeE2E, AnExpiredTokenClosesWith4001UnlessRefreshed) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  // exp 26 s ago: still inside the 30 s clock skew, so it expires about 4 s from now.
  const auto short_lived = parley::auth::sign_token({{"user_id", "bob"}, {"iat", now - 60}, {"exp", now - 26}},
                                                    app_.keys.api_secret);
  WsClient expiring;
  ASSERT_EQ(expiring.connect(port_a_, "/v1/connect?api_key=" + app_.keys.api_key + "&token=" + short_lived), 101);
  EXPECT_EQ(expiring.read_json()["type"], "connection.ok");

  WsClient refreshed;
  ASSERT_EQ(refreshed.connect(port_b_, "/v1/connect?api_key=" + app_.keys.api_key + "&token=" + short_lived), 101);
  EXPECT_EQ(refreshed.read_json()["type"], "connection.ok");
  const auto other_user = parley::auth::sign_token({{"user_id", "alice"}, {"iat", now}, {"exp", now + 3600}},
                                                   app_.keys.api_secret);
  const auto wrong = refreshed.request({{"op", "refresh"}, {"token", other_user}});
  EXPECT_EQ(wrong["ok"], false);
  EXPECT_EQ(wrong["error"]["status"], 403) << wrong;
  EXPECT_EQ(refreshed.request({{"op", "refresh"}, {"token", "nonsense"}})["error"]["status"], 401);
  const auto fresh = parley::auth::sign_token({{"user_id", "bob"}, {"iat", now}, {"exp", now + 3600}},
                                              app_.keys.api_secret);
  const auto ok = refreshed.request({{"op", "refresh"}, {"token", fresh}});
  ASSERT_EQ(ok["ok"], true) << ok;
  EXPECT_EQ(ok["result"]["exp"], now + 3600);

  const auto error = expiring.read_until_type("connection.error", 15s);
  EXPECT_EQ(error["error"]["code"], "token_expired") << error;
  EXPECT_EQ(expiring.wait_close(5s), 4001);
  // The refreshed connection outlives the old token.
  EXPECT_TRUE(refreshed.is_open());
  EXPECT_EQ(refreshed.request({{"op", "ping"}})["ok"], true);
}

TEST_F(RealtimeE2E, RevocationAndDeactivationCloseOpenConnectionsOnEveryNode) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  auto token = [&](const std::string& user, std::int64_t iat) {
    return parley::auth::sign_token({{"user_id", user}, {"iat", iat}, {"exp", now + 3600}}, app_.keys.api_secret);
  };
  auto open = [&](std::uint16_t port, const std::string& jwt) {
    auto ws = std::make_unique<WsClient>();
    EXPECT_EQ(ws->connect(port, "/v1/connect?api_key=" + app_.keys.api_key + "&token=" + jwt), 101);
    EXPECT_EQ(ws->read_json()["type"], "connection.ok");
    return ws;
  };
  auto old_bob = open(port_b_, token("bob", now - 100));
  auto new_bob = open(port_a_, token("bob", now + 10));
  auto carol = open(port_b_, token("carol", now - 100));
  auto alice = open(port_b_, token("alice", now - 100));

  // Revoke bob's tokens issued before now (through node A): his old-token connection on node B closes.
  auto r = rest(port_a_, "server", "POST", "/v1/users/bob/revoke_tokens", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto error = old_bob->read_until_type("connection.error");
  EXPECT_EQ(error["error"]["code"], "token_revoked") << error;
  EXPECT_EQ(old_bob->wait_close(), 4001);
  // A token issued after the revocation keeps its connection.
  EXPECT_EQ(new_bob->request({{"op", "ping"}})["ok"], true);

  // Deactivating carol closes her connections too.
  ASSERT_EQ(rest(port_a_, "server", "PATCH", "/v1/users/carol", R"({"deactivated":true})").status, 200);
  EXPECT_EQ(carol->read_until_type("connection.error")["error"]["code"], "unauthenticated");
  EXPECT_EQ(carol->wait_close(), 4001);

  // App-wide revocation closes every older user connection; alice was connected with an old token.
  ASSERT_EQ(rest(port_a_, "server", "PATCH", "/v1/app", R"({"revoke_tokens_before":")" +
                                                           parley::protocol::format_timestamp(std::chrono::system_clock::time_point(std::chrono::seconds(now - 50))) + R"("})")
                .status,
            200);
  EXPECT_EQ(alice->read_until_type("connection.error")["error"]["code"], "token_revoked");
  EXPECT_EQ(alice->wait_close(), 4001);
  EXPECT_EQ(new_bob->request({{"op", "ping"}})["ok"], true);
}

TEST_F(RealtimeE2E, MembersWhoDoNotWatchGetNotificationMessageNew) {
  make_channel("notify", R"(["alice","bob","carol","mallory"])");
  ASSERT_EQ(rest(port_a_, "mallory", "POST", "/v1/channels/messaging/notify/mute").status, 200);
  auto bob = connect(port_b_, "bob");        // connected, not watching: notified
  auto carol = connect(port_a_, "carol");    // watching: gets message.new only
  auto mallory = connect(port_b_, "mallory");  // muted the channel: nothing
  auto alice = connect(port_a_, "alice");    // the sender: nothing
  ASSERT_EQ(carol->request({{"op", "watch"}, {"channels", {{"messaging:notify", nullptr}}}})["ok"], true);
  ASSERT_EQ(rest(port_a_, "alice", "POST", "/v1/channels/messaging/notify/messages", R"({"text":"psst"})").status, 201);
  const auto note = bob->read_until_type("notification.message_new");
  EXPECT_EQ(note["cid"], "messaging:notify") << note;
  EXPECT_EQ(note["message"]["text"], "psst") << note;
  EXPECT_EQ(carol->read_until_type("message.new")["message"]["text"], "psst");
  for (auto* ws : {carol.get(), mallory.get(), alice.get()}) {
    while (ws->wait_for_message(300ms)) {
      const auto m = ws->read_json();
      EXPECT_NE(m["type"], "notification.message_new") << m;
    }
  }
  // Silent messages notify nobody.
  ASSERT_EQ(rest(port_a_, "alice", "POST", "/v1/channels/messaging/notify/messages", R"({"text":"shh","silent":true})")
                .status,
            201);
  while (bob->wait_for_message(400ms)) EXPECT_NE(bob->read_json()["type"], "notification.message_new");
}
