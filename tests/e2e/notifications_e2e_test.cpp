// notification.* events end to end (issue 4): notification.mark_read, notification.added_to_channel,
// notification.removed_from_channel, the end of a removed member's watch, and the read_events switch.
// Two parley nodes sharing one PostgreSQL and one Redis; every write goes to node A and every
// recipient is connected to node B, so each event crosses Redis.
//
// "X does not arrive" is checked without sleeping: after the action under test, a marker event is
// caused that reaches the same connection by the same path (the same user control key, or ephemeral
// events, which keep their order), and nothing forbidden may come before the marker.
#include "e2e_fixture.hpp"
#include "support/ws_client.hpp"

#include <functional>

using namespace parley::test;
using json = nlohmann::json;

class NotificationsE2E : public TwoNodeTest {
 protected:
  void SetUp() override {
    start_nodes();
    app_ = make_test_app(port_a_, db_.url(), "notif-a", {"alice", "bob", "carol", "mallory"});
  }

  /// A connected client of `user` on `port` (of `app`, default app_), past its connection.ok.
  std::unique_ptr<WsClient> connect(std::uint16_t port, const std::string& user, const TestApp* app = nullptr) {
    const TestApp& a = app ? *app : app_;
    auto ws = std::make_unique<WsClient>();
    EXPECT_EQ(ws->connect(port, "/v1/connect?api_key=" + a.keys.api_key + "&token=" + a.user_tokens.at(user)), 101);
    const auto first = ws->read_json();
    EXPECT_EQ(first["type"], "connection.ok") << first;
    return ws;
  }

  HttpResponse rest(const std::string& who, const std::string& method, const std::string& target,
                    const std::string& body = "", const TestApp* app = nullptr) {
    return http_request(port_a_, method, target, body, (app ? *app : app_).as(who));
  }

  void make_channel(const std::string& cid_path, const std::string& members, const std::string& who = "alice") {
    auto r = rest(who, "PUT", "/v1/channels/" + cid_path, R"({"members":)" + members + "}");
    ASSERT_EQ(r.status, 201) << r.body;
  }

  void send_message(const std::string& cid_path, const std::string& text, const std::string& who = "alice") {
    auto r = rest(who, "POST", "/v1/channels/" + cid_path + "/messages", json{{"text", text}}.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }

  static void watch(WsClient& ws, const std::string& cid) {
    const auto ack = ws.request({{"op", "watch"}, {"channels", {{cid, nullptr}}}});
    ASSERT_EQ(ack["ok"], true) << ack;
    ASSERT_TRUE(ack["result"]["channels"][cid].contains("last_seq")) << ack;
  }

  /// Reads until an event satisfying `marker` arrives and returns every event before it (the marker last).
  /// Fails the test (and returns what it read) when the marker does not come within 15 s.
  static std::vector<json> read_until(WsClient& ws, const std::function<bool(const json&)>& marker) {
    std::vector<json> seen;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!ws.wait_for_message(100ms)) continue;
      seen.push_back(ws.read_json());
      if (marker(seen.back())) return seen;
    }
    ADD_FAILURE() << "marker never came; read " << json(seen).dump();
    return seen;
  }

  static std::function<bool(const json&)> is(const std::string& type, const std::string& cid) {
    return [type, cid](const json& m) { return m.value("type", "") == type && m.value("cid", "") == cid; };
  }

  /// The (type, cid) of every notification.* among `events`.
  static std::vector<std::pair<std::string, std::string>> notifications(const std::vector<json>& events) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : events) {
      const std::string type = e.value("type", "");
      if (type.rfind("notification.", 0) == 0) out.emplace_back(type, e.value("cid", ""));
    }
    return out;
  }

  static bool has(const std::vector<json>& events, const std::string& type, const std::string& cid) {
    for (const auto& e : events) {
      if (e.value("type", "") == type && e.value("cid", "") == cid) return true;
    }
    return false;
  }

};

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST_F(NotificationsE2E, MarkReadNotifiesTheReadersConnectionsThatDoNotWatchTheChannel) {
  make_channel("messaging/m1", R"(["alice","bob"])");
  make_channel("messaging/m2", R"(["alice","bob"])");
  send_message("messaging/m1", "one");
  send_message("messaging/m1", "two");
  send_message("messaging/m2", "three");
  auto bob_idle = connect(port_b_, "bob");   // watches nothing: notified
  auto bob_watch = connect(port_b_, "bob");  // watches m1: message.read for m1, no notification for m1
  auto alice = connect(port_b_, "alice");    // another member, not watching: never told of bob's reads
  watch(*bob_watch, "messaging:m1");

  auto read = rest("bob", "POST", "/v1/channels/messaging/m1/read");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json()["unread_count"], 0) << read.body;

  const auto note = bob_idle->read_until_type("notification.mark_read");
  EXPECT_EQ(note["cid"], "messaging:m1") << note;
  EXPECT_EQ(note["user"]["id"], "bob") << note;
  EXPECT_EQ(note["last_read_seq"], 2) << note;
  EXPECT_EQ(note["unread_count"], 0) << note;
  EXPECT_EQ(note["total_unread_count"], 1) << note << " (m2 still has one unread)";
  EXPECT_EQ(note["unread_channels"], 1) << note;
  EXPECT_TRUE(note["created_at"].is_string()) << note;
  EXPECT_FALSE(note.contains("seq")) << "notifications have no seq: " << note;

  const auto receipt = bob_watch->read_until_type("message.read");
  EXPECT_EQ(receipt["cid"], "messaging:m1") << receipt;
  EXPECT_EQ(receipt["user"]["id"], "bob") << receipt;

  // The WebSocket op read takes the same path; its own connection (on node A, not watching m2) is told too.
  auto bob_reader = connect(port_a_, "bob");
  const auto ack = bob_reader->request({{"op", "read"}, {"cid", "messaging:m2"}});
  ASSERT_EQ(ack["ok"], true) << ack;
  EXPECT_EQ(ack["result"]["read"]["last_read_seq"], 1) << ack;
  for (auto* ws : {bob_idle.get(), bob_reader.get()}) {
    const auto second = ws->read_until_type("notification.mark_read");
    EXPECT_EQ(second["cid"], "messaging:m2") << second;
    EXPECT_EQ(second["last_read_seq"], 1) << second;
    EXPECT_EQ(second["total_unread_count"], 0) << second;
    EXPECT_EQ(second["unread_channels"], 0) << second;
  }
  // The watching connection: the m2 notification is the marker; nothing about m1 came before it.
  const auto before = read_until(*bob_watch, is("notification.mark_read", "messaging:m2"));
  EXPECT_EQ(notifications(before), (Pairs{{"notification.mark_read", "messaging:m2"}}));

  // Alice is told nothing of bob's reads: her next notification is the message bob sends now.
  send_message("messaging/m1", "from bob", "bob");
  const auto alice_saw = read_until(*alice, is("notification.message_new", "messaging:m1"));
  EXPECT_EQ(notifications(alice_saw), (Pairs{{"notification.message_new", "messaging:m1"}}));
}

TEST_F(NotificationsE2E, AddedAndRemovedReachOnlyTheUserConcerned) {
  TestApp app_b = make_test_app(port_a_, db_.url(), "notif-b", {"bob", "carol"});
  auto alice = connect(port_b_, "alice");
  auto bob = connect(port_b_, "bob");
  auto carol = connect(port_b_, "carol");
  auto mallory = connect(port_b_, "mallory");
  auto bob_of_b = connect(port_b_, "bob", &app_b);  // the same user id in another app

  // Created with members: each member but the creator is told.
  make_channel("messaging/team", R"(["alice","bob"])");
  const auto bob_first = read_until(*bob, is("notification.added_to_channel", "messaging:team"));
  const json added = bob_first.back();
  EXPECT_EQ(added["cid"], "messaging:team") << added;
  EXPECT_EQ(added["channel"]["cid"], "messaging:team") << added;
  EXPECT_EQ(added["channel"]["type"], "messaging") << added;
  EXPECT_EQ(added["channel"]["id"], "team") << added;
  EXPECT_EQ(added["channel"]["created_by"], "alice") << added;
  EXPECT_EQ(added["member"]["user_id"], "bob") << added;
  EXPECT_EQ(added["member"]["role"], "member") << added;
  EXPECT_TRUE(added["created_at"].is_string()) << added;
  EXPECT_FALSE(added.contains("seq")) << added;

  // POST .../members add and remove.
  auto r = rest("alice", "POST", "/v1/channels/messaging/team/members", R"({"add":["carol"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto carol_first = read_until(*carol, is("notification.added_to_channel", "messaging:team"));
  EXPECT_EQ(notifications(carol_first), (Pairs{{"notification.added_to_channel", "messaging:team"}}));
  const json carol_added = carol_first.back();
  EXPECT_EQ(carol_added["cid"], "messaging:team") << carol_added;
  EXPECT_EQ(carol_added["member"]["user_id"], "carol") << carol_added;
  EXPECT_EQ(carol_added["channel"]["last_seq"], 1) << "the channel as of the change: " << carol_added;
  r = rest("alice", "POST", "/v1/channels/messaging/team/members", R"({"remove":["bob"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto bob_second = read_until(*bob, is("notification.removed_from_channel", "messaging:team"));
  EXPECT_EQ(notifications(bob_second), (Pairs{{"notification.removed_from_channel", "messaging:team"}}))
      << "bob is not told that carol was added";
  const json removed = bob_second.back();
  EXPECT_EQ(removed["cid"], "messaging:team") << removed;
  EXPECT_EQ(removed["channel"]["cid"], "messaging:team") << removed;
  EXPECT_EQ(removed["channel"]["last_seq"], 2) << removed;
  EXPECT_EQ(removed["member"]["user_id"], "bob") << removed;
  EXPECT_TRUE(removed["created_at"].is_string()) << removed;
  // Adding a member twice and removing a non-member change nothing and tell nobody.
  ASSERT_EQ(rest("alice", "POST", "/v1/channels/messaging/team/members", R"({"add":["carol"],"remove":["bob"]})").status,
            200);

  // A distinct channel: its members are told as well (with the generated cid).
  r = rest("alice", "POST", "/v1/channels/messaging", R"({"members":["alice","mallory"]})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string distinct = r.json()["channel"]["cid"];
  const auto mallory_first = read_until(*mallory, is("notification.added_to_channel", distinct));
  EXPECT_EQ(notifications(mallory_first), (Pairs{{"notification.added_to_channel", distinct}}))
      << "mallory is told only of her own channel";
  const json mallory_added = mallory_first.back();
  EXPECT_EQ(mallory_added["cid"], distinct) << mallory_added;
  EXPECT_EQ(mallory_added["member"]["user_id"], "mallory") << mallory_added;

  // The marker: a server creates a channel with everyone (a server is nobody's own action: all are told).
  ASSERT_EQ(rest("server", "PUT", "/v1/channels/messaging/final", R"({"members":["alice","bob","carol","mallory"]})")
                .status,
            201);
  ASSERT_EQ(rest("server", "PUT", "/v1/channels/messaging/final-b", R"({"members":["bob"]})", &app_b).status, 201);
  const auto final_added = is("notification.added_to_channel", "messaging:final");
  EXPECT_EQ(notifications(read_until(*alice, final_added)),
            (Pairs{{"notification.added_to_channel", "messaging:final"}}))
      << "the creator and the member who added or removed others are not told";
  EXPECT_EQ(notifications(read_until(*bob, final_added)),
            (Pairs{{"notification.added_to_channel", "messaging:final"}}));
  EXPECT_EQ(notifications(read_until(*carol, final_added)),
            (Pairs{{"notification.added_to_channel", "messaging:final"}}));
  EXPECT_EQ(notifications(read_until(*mallory, final_added)),
            (Pairs{{"notification.added_to_channel", "messaging:final"}}));
  // App B's bob heard nothing of app A.
  EXPECT_EQ(notifications(read_until(*bob_of_b, is("notification.added_to_channel", "messaging:final-b"))),
            (Pairs{{"notification.added_to_channel", "messaging:final-b"}}));
}

TEST_F(NotificationsE2E, RemovedMembersWatchEndsWhereNonMembersCannotRead) {
  make_channel("messaging/private", R"(["alice","bob","carol"])");
  make_channel("livestream/lobby", R"(["alice","bob"])");
  auto bob = connect(port_b_, "bob");
  watch(*bob, "messaging:private");
  watch(*bob, "livestream:lobby");

  // Another member's removal changes nothing for bob.
  ASSERT_EQ(rest("alice", "POST", "/v1/channels/messaging/private/members", R"({"remove":["carol"]})").status, 200);
  const auto carol_gone = bob->read_until_type("member.removed");
  EXPECT_EQ(carol_gone["member"]["user_id"], "carol") << carol_gone;
  send_message("messaging/private", "still here");
  EXPECT_EQ(bob->read_until_type("message.new")["message"]["text"], "still here");

  const auto typing_before = bob->request({{"op", "typing.start"}, {"cid", "messaging:private"}});
  EXPECT_EQ(typing_before["ok"], true) << typing_before;
  // Bob's own removal: member.removed is passed on, then the watch ends.
  ASSERT_EQ(rest("alice", "POST", "/v1/channels/messaging/private/members", R"({"remove":["bob"]})").status, 200);
  const auto bob_gone = bob->read_until_type("member.removed");
  EXPECT_EQ(bob_gone["cid"], "messaging:private") << bob_gone;
  EXPECT_EQ(bob_gone["member"]["user_id"], "bob") << bob_gone;
  const auto typing = bob->request({{"op", "typing.start"}, {"cid", "messaging:private"}});
  EXPECT_EQ(typing["ok"], false) << "the watch is gone: " << typing;
  EXPECT_EQ(typing["error"]["message"], "watch messaging:private first") << typing;
  send_message("messaging/private", "secret");
  send_message("livestream/lobby", "marker");
  const auto seen = read_until(*bob, [](const json& m) {
    return m.value("type", "") == "message.new" && m["message"].value("text", "") == "marker";
  });
  EXPECT_FALSE(has(seen, "message.new", "messaging:private")) << json(seen).dump();

  // A livestream can be read by any user: removal keeps the watch.
  ASSERT_EQ(rest("alice", "POST", "/v1/channels/livestream/lobby/members", R"({"remove":["bob"]})").status, 200);
  EXPECT_EQ(bob->read_until_type("member.removed")["member"]["user_id"], "bob");
  send_message("livestream/lobby", "after removal");
  EXPECT_EQ(bob->read_until_type("message.new")["message"]["text"], "after removal");
  EXPECT_EQ(bob->request({{"op", "typing.stop"}, {"cid", "livestream:lobby"}})["error"]["message"],
            "typing events are off for this channel type")
      << "still watched (the switch answers, not the missing watch)";

  // Watching again is refused now (bob is no longer a member of the messaging channel).
  const auto again = bob->request({{"op", "watch"}, {"channels", {{"messaging:private", nullptr}}}});
  ASSERT_EQ(again["ok"], true) << again;
  EXPECT_EQ(again["result"]["channels"]["messaging:private"]["error"]["status"], 403) << again;
}

TEST_F(NotificationsE2E, ReadEventsSwitchOffStoresTheMarkButSendsNothing) {
  // Validated like the other switches.
  auto bad = rest("server", "POST", "/v1/channel_types", R"({"name":"quiet","read_events":"no"})");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.json()["error"]["details"]["switch"], "read_events") << bad.body;
  auto created = rest("server", "POST", "/v1/channel_types", R"({"name":"quiet","read_events":false})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["channel_type"]["read_events"], false) << created.body;
  // member_notifications off, read_events on: message.read to watchers, no notification.mark_read.
  ASSERT_EQ(rest("server", "POST", "/v1/channel_types", R"({"name":"plain","member_notifications":false})").status, 201);

  make_channel("quiet/q", R"(["alice","bob"])");
  make_channel("plain/p", R"(["alice","bob"])");
  make_channel("messaging/m", R"(["alice","bob"])");
  for (const char* c : {"quiet/q", "plain/p", "messaging/m"}) send_message(c, "hi");
  auto alice = connect(port_b_, "alice");  // watches all three: message.read where the switch is on
  for (const char* cid : {"quiet:q", "plain:p", "messaging:m"}) watch(*alice, cid);
  auto bob_idle = connect(port_b_, "bob");  // watches nothing: notification.mark_read where both switches are on

  // read_events off: the mark is stored (REST and the WebSocket op), nothing is sent.
  auto read = rest("bob", "POST", "/v1/channels/quiet/q/read");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json()["read"]["last_read_seq"], 1) << read.body;
  auto bob_ws = connect(port_a_, "bob");
  const auto ack = bob_ws->request({{"op", "read"}, {"cid", "quiet:q"}});
  EXPECT_EQ(ack["ok"], true) << ack;
  EXPECT_EQ(ack["result"]["unread_count"], 0) << ack;
  const auto state = rest("bob", "GET", "/v1/channels/quiet/q");
  ASSERT_EQ(state.status, 200) << state.body;
  const json reads = state.json()["read"];
  bool stored = false;
  for (const auto& r : reads) stored = stored || (r["user_id"] == "bob" && r["last_read_seq"] == 1);
  EXPECT_TRUE(stored) << state.body;

  // member_notifications off: message.read only.
  ASSERT_EQ(rest("bob", "POST", "/v1/channels/plain/p/read").status, 200);
  EXPECT_EQ(alice->read_until_type("message.read")["cid"], "plain:p")
      << "the first message.read alice gets is plain's, not quiet's";

  // Markers: a read in messaging (both switches on).
  ASSERT_EQ(rest("bob", "POST", "/v1/channels/messaging/m/read").status, 200);
  const auto alice_saw = read_until(*alice, is("message.read", "messaging:m"));
  EXPECT_FALSE(has(alice_saw, "message.read", "quiet:q")) << json(alice_saw).dump();
  const auto bob_saw = read_until(*bob_idle, is("notification.mark_read", "messaging:m"));
  EXPECT_EQ(notifications(bob_saw), (Pairs{{"notification.mark_read", "messaging:m"}})) << json(bob_saw).dump();
  const auto ws_saw = read_until(*bob_ws, is("notification.mark_read", "messaging:m"));
  EXPECT_EQ(notifications(ws_saw), (Pairs{{"notification.mark_read", "messaging:m"}})) << json(ws_saw).dump();
}
