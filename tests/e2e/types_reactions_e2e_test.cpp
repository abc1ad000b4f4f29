// Channel types (grants and switches), reactions and thread replies against the
// real binary and a real PostgreSQL.
#include "e2e_fixture.hpp"

#include <set>

using namespace parley::test;
using nlohmann::json;

namespace {

using Tenant = TestApp;

std::set<std::string> as_set(const json& array) {
  std::set<std::string> s;
  for (const auto& v : array) s.insert(v.get<std::string>());
  return s;
}

}  // namespace

class TypesReactionsE2E : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    a_ = make_tenant("app-a");
    b_ = make_tenant("app-b");
  }

  Tenant make_tenant(const std::string& name) { return make_test_app(port_, db_.url(), name); }

  // Sends as `who` into `cid_path` ("messaging/x") and returns the stored message.
  json send(const Tenant& t, const std::string& who, const std::string& cid_path, const json& body) {
    auto r = call(t, who, "POST", "/v1/channels/" + cid_path + "/messages", body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json()["message"];
  }

  static void expect_error_naming(const HttpResponse& r, const std::string& name) {
    expect_error_envelope(r, 400, "invalid_request");
    EXPECT_NE(r.body.find(name), std::string::npos) << "the error names " << name << ": " << r.body;
  }

  Tenant a_, b_;
};

TEST_F(TypesReactionsE2E, ChannelTypesCreateGetListPatchAndValidation) {
  auto list = call(a_, "server", "GET", "/v1/channel_types");
  ASSERT_EQ(list.status, 200) << list.body;
  const json types = list.json()["channel_types"];
  ASSERT_TRUE(types.contains("messaging") && types.contains("livestream")) << list.body;
  EXPECT_EQ(types["messaging"]["built_in"], true);
  EXPECT_EQ(types["livestream"]["typing_events"], false) << "livestream: no typing";
  EXPECT_EQ(types["messaging"]["max_message_length"], 5000);
  EXPECT_EQ(types["messaging"]["grants"]["user"], json::array()) << "messaging is members only";

  const std::string created_body =
      R"({"name":"support","grants":{"channel_member":["read_channel","send_message"]},"typing_events":false,"max_message_length":200})";
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channel_types", created_body), 403, "forbidden");
  auto created = call(a_, "server", "POST", "/v1/channel_types", created_body);
  ASSERT_EQ(created.status, 201) << created.body;
  const json ct = created.json()["channel_type"];
  EXPECT_EQ(ct["name"], "support");
  EXPECT_EQ(ct["built_in"], false);
  EXPECT_EQ(ct["typing_events"], false);
  EXPECT_EQ(ct["read_events"], true) << "unnamed switches keep messaging's defaults";
  EXPECT_EQ(ct["max_message_length"], 200);
  EXPECT_EQ(as_set(ct["grants"]["channel_member"]), (std::set<std::string>{"read_channel", "send_message"}));
  EXPECT_TRUE(as_set(ct["grants"]["channel_owner"]).count("delete_channel")) << "unnamed roles keep messaging's grants";
  EXPECT_TRUE(ct["created_at"].is_string());

  expect_error_envelope(call(a_, "server", "POST", "/v1/channel_types", R"({"name":"support"})"), 409, "conflict");
  expect_error_envelope(call(a_, "server", "POST", "/v1/channel_types", R"({"name":"messaging"})"), 409, "conflict");
  expect_error_envelope(call(a_, "server", "POST", "/v1/channel_types", R"({"name":"Upper"})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "POST", "/v1/channel_types", json{{"name", std::string(33, 'a')}}.dump()),
                        400, "invalid_request");
  EXPECT_EQ(call(a_, "server", "POST", "/v1/channel_types", json{{"name", std::string(32, 'a')}}.dump()).status, 201);
  expect_error_envelope(call(a_, "server", "POST", "/v1/channel_types", "{}"), 400, "invalid_request");
  expect_error_naming(call(a_, "server", "POST", "/v1/channel_types", R"({"name":"x1","grants":{"guest":[]}})"),
                      "guest");
  expect_error_naming(
      call(a_, "server", "POST", "/v1/channel_types", R"({"name":"x1","grants":{"user":["fly_away"]}})"), "fly_away");
  expect_error_naming(call(a_, "server", "POST", "/v1/channel_types", R"({"name":"x1","typing":true})"), "typing");
  expect_error_naming(call(a_, "server", "POST", "/v1/channel_types", R"({"name":"x1","reactions":"yes"})"),
                      "reactions");
  expect_error_naming(call(a_, "server", "POST", "/v1/channel_types", R"({"name":"x1","max_message_length":0})"),
                      "max_message_length");
  expect_error_naming(call(a_, "server", "POST", "/v1/channel_types", R"({"name":"x1","max_message_length":5001})"),
                      "max_message_length");
  // A refused create stores nothing.
  expect_error_envelope(call(a_, "server", "GET", "/v1/channel_types/x1"), 404, "not_found");

  auto got = call(a_, "alice", "GET", "/v1/channel_types/support");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json()["channel_type"]["max_message_length"], 200);
  expect_error_envelope(call(a_, "server", "GET", "/v1/channel_types/nothing"), 404, "not_found");
  expect_error_envelope(call(a_, "server", "GET", "/v1/channel_types/Bad!"), 400, "invalid_request");
  EXPECT_TRUE(call(a_, "server", "GET", "/v1/channel_types").json()["channel_types"].contains("support"));

  expect_error_envelope(call(a_, "alice", "PATCH", "/v1/channel_types/support", R"({"search":false})"), 403,
                        "forbidden");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/channel_types/nothing", R"({"search":false})"), 404,
                        "not_found");
  expect_error_envelope(call(a_, "server", "PATCH", "/v1/channel_types/support", "{}"), 400, "invalid_request");
  expect_error_naming(call(a_, "server", "PATCH", "/v1/channel_types/support", R"({"name":"other"})"), "name");
  expect_error_naming(call(a_, "server", "PATCH", "/v1/channel_types/support", R"({"grants":{"owner":[]}})"), "owner");
  auto patched = call(a_, "server", "PATCH", "/v1/channel_types/support", R"({"search":false})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()["channel_type"]["search"], false);
  EXPECT_EQ(patched.json()["channel_type"]["max_message_length"], 200) << "a PATCH keeps what it does not name";
  EXPECT_EQ(as_set(patched.json()["channel_type"]["grants"]["channel_member"]),
            (std::set<std::string>{"read_channel", "send_message"}));

  // Another app sees none of it.
  expect_error_envelope(call(b_, "server", "GET", "/v1/channel_types/support"), 404, "not_found");
  expect_error_envelope(call(b_, "server", "PATCH", "/v1/channel_types/support", R"({"search":true})"), 404,
                        "not_found");
  EXPECT_FALSE(call(b_, "server", "GET", "/v1/channel_types").json()["channel_types"].contains("support"));
  expect_error_envelope(call(b_, "alice", "PUT", "/v1/channels/support/x", "{}"), 404, "not_found");
  EXPECT_EQ(call(b_, "server", "POST", "/v1/channel_types", R"({"name":"support"})").status, 201)
      << "type names are per app";
  EXPECT_EQ(call(a_, "server", "GET", "/v1/channel_types/support").json()["channel_type"]["search"], false)
      << "app B's type of the same name is another type";
}

TEST_F(TypesReactionsE2E, CustomTypeGrantsDecidePermissionsAndPatchReplacesARole) {
  ASSERT_EQ(call(a_, "server", "POST", "/v1/channel_types",
                 R"({"name":"announce","grants":{"channel_member":["read_channel"],"user":[]}})")
                .status,
            201);
  expect_error_envelope(call(a_, "alice", "PUT", "/v1/channels/nope/x", "{}"), 404, "not_found");
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/announce/news", R"({"members":["bob"]})").status, 201);
  send(a_, "alice", "announce/news", {{"text", "owners may send"}});
  expect_error_envelope(call(a_, "bob", "POST", "/v1/channels/announce/news/messages", R"({"text":"no"})"), 403,
                        "forbidden");
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/channels/announce/news").status, 200) << "members may read";
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/channels/announce/news/messages").json()["messages"].size(), 1u);
  expect_error_envelope(call(a_, "mallory", "GET", "/v1/channels/announce/news"), 403, "forbidden");

  auto patched = call(a_, "server", "PATCH", "/v1/channel_types/announce",
                      R"({"grants":{"channel_member":["send_message","read_channel"]}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(as_set(patched.json()["channel_type"]["grants"]["channel_member"]),
            (std::set<std::string>{"read_channel", "send_message"}));
  EXPECT_TRUE(as_set(patched.json()["channel_type"]["grants"]["channel_owner"]).count("update_channel"))
      << "roles not named in the PATCH keep their actions";
  send(a_, "bob", "announce/news", {{"text", "now members may send"}});

  // A role listed in a PATCH has its list replaced, not extended.
  ASSERT_EQ(call(a_, "server", "PATCH", "/v1/channel_types/announce", R"({"grants":{"channel_member":[]}})").status,
            200);
  expect_error_envelope(call(a_, "bob", "GET", "/v1/channels/announce/news"), 403, "forbidden");
  ASSERT_EQ(call(a_, "server", "PATCH", "/v1/channel_types/announce", R"({"grants":{"user":["read_channel"]}})").status,
            200);
  EXPECT_EQ(call(a_, "mallory", "GET", "/v1/channels/announce/news").status, 200) << "any user of the app may read";
  expect_error_envelope(call(a_, "mallory", "POST", "/v1/channels/announce/news/messages", R"({"text":"x"})"), 403,
                        "forbidden");
}

TEST_F(TypesReactionsE2E, PatchingABuiltInIsAnOverrideOfThatAppOnly) {
  for (auto* t : {&a_, &b_}) {
    ASSERT_EQ(call(*t, "alice", "PUT", "/v1/channels/messaging/m", R"({"members":["bob"]})").status, 201);
  }
  auto patched = call(a_, "server", "PATCH", "/v1/channel_types/messaging",
                      R"({"grants":{"channel_member":["read_channel"]},"max_message_length":20})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()["channel_type"]["built_in"], true);
  EXPECT_TRUE(patched.json()["channel_type"]["updated_at"].is_string());
  expect_error_envelope(call(a_, "bob", "POST", "/v1/channels/messaging/m/messages", R"({"text":"x"})"), 403,
                        "forbidden");
  send(b_, "bob", "messaging/m", {{"text", "app B keeps the built-in grants"}});
  send(b_, "alice", "messaging/m", {{"text", std::string(100, 'b')}});
  expect_error_naming(
      call(a_, "alice", "POST", "/v1/channels/messaging/m/messages", json{{"text", std::string(21, 'a')}}.dump()),
      "max_message_length");
  EXPECT_EQ(call(b_, "server", "GET", "/v1/channel_types/messaging").json()["channel_type"]["max_message_length"],
            5000);
  EXPECT_EQ(call(a_, "server", "GET", "/v1/channel_types").json()["channel_types"]["messaging"]["max_message_length"],
            20);
}

TEST_F(TypesReactionsE2E, SwitchesAreEnforcedOnSendEditRepliesAndReactions) {
  ASSERT_EQ(call(a_, "server", "POST", "/v1/channel_types",
                 R"({"name":"short","max_message_length":10,"replies":false,"reactions":false})")
                .status,
            201);
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/short/s", "{}").status, 201);
  const std::string path = "/v1/channels/short/s/messages";
  auto too_long = call(a_, "alice", "POST", path, R"({"text":"12345678901"})");
  expect_error_naming(too_long, "max_message_length");
  EXPECT_EQ(too_long.json()["error"]["details"]["max"], 10);
  send(a_, "alice", "short/s", {{"id", "m1"}, {"text", "1234567890"}});
  send(a_, "alice", "short/s", {{"text", "éééééééééé"}});  // 10 characters, 20 bytes
  expect_error_naming(call(a_, "alice", "PATCH", "/v1/messages/m1", R"({"set":{"text":"12345678901"}})"),
                      "max_message_length");
  EXPECT_EQ(call(a_, "alice", "PATCH", "/v1/messages/m1", R"({"set":{"text":"short"}})").status, 200);
  expect_error_naming(call(a_, "alice", "POST", path, R"({"text":"reply","parent_id":"m1"})"), "replies");
  expect_error_naming(call(a_, "alice", "POST", "/v1/messages/m1/reactions", R"({"type":"like"})"), "reactions");
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/messages/m1").json()["message"]["reply_count"], 0)
      << "a refused reply changes nothing";
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/channels/short/s").json()["channel"]["last_seq"], 3)
      << "refused writes take no seq (2 sends, 1 edit)";

  ASSERT_EQ(call(a_, "server", "PATCH", "/v1/channel_types/short", R"({"replies":true,"reactions":true})").status, 200);
  EXPECT_EQ(call(a_, "alice", "POST", path, R"({"text":"reply","parent_id":"m1"})").status, 201);
  EXPECT_EQ(call(a_, "alice", "POST", "/v1/messages/m1/reactions", R"({"type":"like"})").status, 201);
}

TEST_F(TypesReactionsE2E, ReactionsAddRemoveCountOwnAndTakeSeqs) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/r", R"({"members":["bob"]})").status, 201);
  send(a_, "alice", "messaging/r", {{"id", "m1"}, {"text", "react to me"}});
  const std::string reactions = "/v1/messages/m1/reactions";

  auto first = call(a_, "bob", "POST", reactions, R"({"type":"like"})");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.json()["message"]["reaction_counts"], (json{{"like", 1}}));
  EXPECT_EQ(first.json()["reaction"]["type"], "like");
  EXPECT_EQ(first.json()["reaction"]["score"], 1);
  EXPECT_EQ(first.json()["reaction"]["user_id"], "bob");
  ASSERT_EQ(first.json()["message"]["own_reactions"].size(), 1u);
  EXPECT_EQ(call(a_, "alice", "POST", reactions, R"({"type":"like"})").json()["message"]["reaction_counts"]["like"], 2);
  auto love = call(a_, "alice", "POST", reactions, R"({"type":"love","score":5})");
  ASSERT_EQ(love.status, 201) << love.body;
  EXPECT_EQ(love.json()["message"]["reaction_counts"], (json{{"like", 2}, {"love", 1}}));
  EXPECT_EQ(love.json()["reaction"]["score"], 5);

  auto same = call(a_, "bob", "POST", reactions, R"({"type":"like"})");
  EXPECT_EQ(same.status, 200) << "the same reaction again changes nothing";
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/channels/messaging/r").json()["channel"]["last_seq"], 4);
  auto rescored = call(a_, "bob", "POST", reactions, R"({"type":"like","score":3})");
  EXPECT_EQ(rescored.status, 200);
  EXPECT_EQ(rescored.json()["reaction"]["score"], 3);
  EXPECT_EQ(rescored.json()["message"]["reaction_counts"]["like"], 2);

  // Reads carry the counts and the caller's own reactions only.
  auto as_bob = call(a_, "bob", "GET", "/v1/messages/m1").json()["message"];
  EXPECT_EQ(as_bob["reaction_counts"], (json{{"like", 2}, {"love", 1}}));
  ASSERT_EQ(as_bob["own_reactions"].size(), 1u);
  EXPECT_EQ(as_bob["own_reactions"][0]["type"], "like");
  EXPECT_EQ(as_bob["own_reactions"][0]["score"], 3);
  const json alice_list = call(a_, "alice", "GET", "/v1/channels/messaging/r/messages").json();
  ASSERT_EQ(alice_list["messages"].size(), 1u);
  EXPECT_EQ(alice_list["messages"][0]["own_reactions"].size(), 2u);
  EXPECT_EQ(alice_list["messages"][0]["reaction_counts"]["love"], 1);
  const json state = call(a_, "bob", "GET", "/v1/channels/messaging/r").json();
  EXPECT_EQ(state["messages"][0]["own_reactions"].size(), 1u);
  EXPECT_EQ(state["messages"][0]["reaction_counts"]["like"], 2);
  // The history page (rendered straight to text) and GET /v1/messages/{id} (a JSON tree) agree field by field.
  const json bob_list = call(a_, "bob", "GET", "/v1/channels/messaging/r/messages").json();
  ASSERT_EQ(bob_list["messages"].size(), 1u);
  EXPECT_EQ(bob_list["messages"][0], as_bob);
  EXPECT_EQ(call(a_, "server", "GET", "/v1/messages/m1").json()["message"]["own_reactions"], json::array());

  // enforce_unique replaces the user's other reactions.
  auto unique = call(a_, "alice", "POST", reactions, R"({"type":"wow","enforce_unique":true})");
  ASSERT_EQ(unique.status, 201) << unique.body;
  EXPECT_EQ(unique.json()["message"]["reaction_counts"], (json{{"like", 1}, {"wow", 1}}));
  ASSERT_EQ(unique.json()["message"]["own_reactions"].size(), 1u);
  EXPECT_EQ(unique.json()["message"]["own_reactions"][0]["type"], "wow");

  // Every change took the channel's next seq with its event.
  auto events = call(a_, "alice", "GET", "/v1/channels/messaging/r/events?after_seq=1");
  ASSERT_EQ(events.status, 200) << events.body;
  const json ev = events.json()["events"];
  ASSERT_EQ(ev.size(), 7u) << events.body;
  const std::vector<std::string> expected = {"reaction.new",     "reaction.new",     "reaction.new", "reaction.updated",
                                             "reaction.deleted", "reaction.deleted", "reaction.new"};
  for (std::size_t i = 0; i < ev.size(); ++i) {
    EXPECT_EQ(ev[i]["type"], expected[i]) << i;
    EXPECT_EQ(ev[i]["seq"], static_cast<int>(i) + 2);
    EXPECT_EQ(ev[i]["cid"], "messaging:r");
    EXPECT_EQ(ev[i]["message"]["id"], "m1");
    EXPECT_TRUE(ev[i]["reaction"]["type"].is_string());
  }
  EXPECT_EQ(ev[0]["message"]["reaction_counts"], (json{{"like", 1}}));
  EXPECT_EQ(ev[6]["message"]["reaction_counts"], (json{{"like", 1}, {"wow", 1}}));
  EXPECT_EQ(ev[6]["user"]["id"], "alice");

  // Removal.
  auto removed = call(a_, "alice", "DELETE", "/v1/messages/m1/reactions/wow");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.json()["message"]["reaction_counts"], (json{{"like", 1}}));
  EXPECT_EQ(removed.json()["message"]["own_reactions"], json::array());
  expect_error_envelope(call(a_, "alice", "DELETE", "/v1/messages/m1/reactions/wow"), 404, "not_found");
  const json last = call(a_, "alice", "GET", "/v1/channels/messaging/r/events?after_seq=8").json()["events"];
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0]["type"], "reaction.deleted");
  EXPECT_EQ(last[0]["seq"], 9);

  // An edit keeps the counts in its reply and its event.
  auto edited = call(a_, "alice", "PATCH", "/v1/messages/m1", R"({"set":{"text":"edited"}})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(edited.json()["message"]["reaction_counts"], (json{{"like", 1}}));
  const json edit_event = call(a_, "alice", "GET", "/v1/channels/messaging/r/events?after_seq=9").json()["events"];
  ASSERT_EQ(edit_event.size(), 1u);
  EXPECT_EQ(edit_event[0]["message"]["reaction_counts"], (json{{"like", 1}}));
}

TEST_F(TypesReactionsE2E, ReactionValidationPermissionsAndServerTokens) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/v", R"({"members":["bob"]})").status, 201);
  send(a_, "alice", "messaging/v", {{"id", "v1"}, {"text", "x"}});
  const std::string reactions = "/v1/messages/v1/reactions";
  expect_error_envelope(call(a_, "bob", "POST", reactions, R"({"type":"has space"})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "bob", "POST", reactions, json{{"type", std::string(33, 'a')}}.dump()), 400,
                        "invalid_request");
  EXPECT_EQ(call(a_, "bob", "POST", reactions, json{{"type", std::string(32, 'a')}}.dump()).status, 201);
  expect_error_envelope(call(a_, "bob", "POST", reactions, R"({})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "bob", "POST", reactions, R"({"type":"like","score":0})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "bob", "POST", reactions, R"({"type":"like","score":101})"), 400, "invalid_request");
  EXPECT_EQ(call(a_, "bob", "POST", reactions, R"({"type":"like","score":100})").status, 201);
  expect_error_envelope(call(a_, "bob", "POST", reactions, R"({"type":"like","enforce_unique":"yes"})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "bob", "POST", reactions, R"({"type":"like","user_id":"alice"})"), 403, "forbidden");
  expect_error_envelope(call(a_, "bob", "DELETE", "/v1/messages/v1/reactions/like?user_id=alice"), 403, "forbidden");
  expect_error_envelope(call(a_, "bob", "DELETE", "/v1/messages/v1/reactions/bad%20type"), 400, "invalid_request");

  // Non-members of a messaging channel may not react; unknown messages are 404.
  expect_error_envelope(call(a_, "mallory", "POST", reactions, R"({"type":"like"})"), 403, "forbidden");
  expect_error_envelope(call(a_, "mallory", "DELETE", "/v1/messages/v1/reactions/like"), 403, "forbidden");
  expect_error_envelope(call(a_, "bob", "POST", "/v1/messages/nothing/reactions", R"({"type":"like"})"), 404,
                        "not_found");

  // A server token reacts for the user it names.
  expect_error_envelope(call(a_, "server", "POST", reactions, R"({"type":"clap"})"), 400, "invalid_request");
  auto by_server = call(a_, "server", "POST", reactions, R"({"type":"clap","user_id":"alice"})");
  ASSERT_EQ(by_server.status, 201) << by_server.body;
  EXPECT_EQ(by_server.json()["reaction"]["user_id"], "alice");
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/messages/v1").json()["message"]["own_reactions"][0]["type"], "clap");
  expect_error_envelope(call(a_, "server", "DELETE", "/v1/messages/v1/reactions/clap"), 400, "invalid_request");
  EXPECT_EQ(call(a_, "server", "DELETE", "/v1/messages/v1/reactions/clap?user_id=alice").status, 200);

  // A frozen channel takes no reactions from members; a deleted message takes none at all.
  ASSERT_EQ(call(a_, "server", "PATCH", "/v1/channels/messaging/v", R"({"set":{"frozen":true}})").status, 200);
  expect_error_envelope(call(a_, "bob", "POST", reactions, R"({"type":"wow"})"), 403, "channel_frozen");
  ASSERT_EQ(call(a_, "server", "PATCH", "/v1/channels/messaging/v", R"({"set":{"frozen":false}})").status, 200);
  ASSERT_EQ(call(a_, "alice", "DELETE", "/v1/messages/v1").status, 200);
  expect_error_envelope(call(a_, "bob", "POST", reactions, R"({"type":"wow"})"), 400, "invalid_request");

  // Hard deletion removes the reactions with the message.
  send(a_, "alice", "messaging/v", {{"id", "v2"}, {"text", "y"}});
  ASSERT_EQ(call(a_, "bob", "POST", "/v1/messages/v2/reactions", R"({"type":"like"})").status, 201);
  ASSERT_EQ(call(a_, "alice", "DELETE", "/v1/messages/v2?hard=true").status, 200);
  send(a_, "alice", "messaging/v", {{"id", "v2"}, {"text", "y again"}});
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/messages/v2").json()["message"]["own_reactions"], json::array());
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/messages/v2").json()["message"]["reaction_counts"], json::object());
}

TEST_F(TypesReactionsE2E, AnotherAppCannotReactToOrReadThreadsOfThisApp) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/livestream/open", "{}").status, 201);
  send(a_, "alice", "livestream/open", {{"id", "a1"}, {"text", "app A"}});
  expect_error_envelope(call(b_, "server", "POST", "/v1/messages/a1/reactions", R"({"type":"like","user_id":"bob"})"),
                        404, "not_found");
  expect_error_envelope(call(b_, "bob", "POST", "/v1/messages/a1/reactions", R"({"type":"like"})"), 404, "not_found");
  expect_error_envelope(call(b_, "server", "DELETE", "/v1/messages/a1/reactions/like?user_id=bob"), 404, "not_found");
  expect_error_envelope(call(b_, "server", "GET", "/v1/messages/a1/replies"), 404, "not_found");
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/messages/a1").json()["message"]["reaction_counts"], json::object());
  // livestream: any user of the app may react.
  EXPECT_EQ(call(a_, "mallory", "POST", "/v1/messages/a1/reactions", R"({"type":"like"})").status, 201);
}

TEST_F(TypesReactionsE2E, RepliesPaginateAscendingAndReplyCountFollowsDeletes) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/t", R"({"members":["bob"]})").status, 201);
  send(a_, "alice", "messaging/t", {{"id", "root"}, {"text", "thread"}});
  send(a_, "alice", "messaging/t", {{"id", "other"}, {"text", "not in the thread"}});
  std::vector<std::int64_t> seqs;
  for (int i = 1; i <= 5; ++i) {
    const auto m = send(a_, i % 2 ? "bob" : "alice", "messaging/t",
                        {{"id", "r" + std::to_string(i)}, {"text", "reply"}, {"parent_id", "root"}});
    seqs.push_back(m["seq"].get<std::int64_t>());
  }
  auto page = call(a_, "bob", "GET", "/v1/messages/root/replies?limit=2");
  ASSERT_EQ(page.status, 200) << page.body;
  json p = page.json();
  ASSERT_EQ(p["messages"].size(), 2u);
  EXPECT_EQ(p["messages"][0]["id"], "r4") << "the newest page, ascending";
  EXPECT_EQ(p["messages"][1]["id"], "r5");
  EXPECT_EQ(p["has_more"], true);
  p = call(a_, "bob", "GET", "/v1/messages/root/replies?limit=2&before_seq=" + std::to_string(seqs[3])).json();
  ASSERT_EQ(p["messages"].size(), 2u);
  EXPECT_EQ(p["messages"][0]["id"], "r2");
  EXPECT_EQ(p["has_more"], true);
  p = call(a_, "bob", "GET", "/v1/messages/root/replies?limit=2&before_seq=" + std::to_string(seqs[1])).json();
  ASSERT_EQ(p["messages"].size(), 1u);
  EXPECT_EQ(p["messages"][0]["id"], "r1");
  EXPECT_EQ(p["has_more"], false);
  p = call(a_, "bob", "GET", "/v1/messages/root/replies?limit=2&after_seq=" + std::to_string(seqs[2])).json();
  ASSERT_EQ(p["messages"].size(), 2u);
  EXPECT_EQ(p["messages"][0]["id"], "r4");
  EXPECT_EQ(p["has_more"], false);
  p = call(a_, "bob", "GET", "/v1/messages/root/replies?limit=5").json();
  EXPECT_EQ(p["messages"].size(), 5u);
  EXPECT_EQ(p["has_more"], false) << "exactly limit replies: no more";
  p = call(a_, "bob", "GET", "/v1/messages/root/replies").json();
  ASSERT_EQ(p["messages"].size(), 5u);
  EXPECT_EQ(p["messages"][0]["parent_id"], "root");
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/messages/other/replies").json()["messages"], json::array());
  expect_error_envelope(call(a_, "bob", "GET", "/v1/messages/root/replies?limit=201"), 400, "invalid_request");
  expect_error_envelope(call(a_, "bob", "GET", "/v1/messages/root/replies?limit=0"), 400, "invalid_request");
  expect_error_envelope(call(a_, "bob", "GET", "/v1/messages/root/replies?before_seq=x"), 400, "invalid_request");
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/messages/root/replies?limit=200").status, 200);
  expect_error_envelope(call(a_, "mallory", "GET", "/v1/messages/root/replies"), 403, "forbidden");
  expect_error_envelope(call(a_, "bob", "GET", "/v1/messages/nothing/replies"), 404, "not_found");

  // Replies carry the caller's reactions too.
  ASSERT_EQ(call(a_, "bob", "POST", "/v1/messages/r1/reactions", R"({"type":"like"})").status, 201);
  p = call(a_, "bob", "GET", "/v1/messages/root/replies?limit=5").json();
  EXPECT_EQ(p["messages"][0]["reaction_counts"]["like"], 1);
  EXPECT_EQ(p["messages"][0]["own_reactions"].size(), 1u);

  // reply_count counts the replies that are not deleted.
  auto count = [&] { return call(a_, "bob", "GET", "/v1/messages/root").json()["message"]["reply_count"]; };
  EXPECT_EQ(count(), 5);
  ASSERT_EQ(call(a_, "bob", "DELETE", "/v1/messages/r5").status, 200);
  EXPECT_EQ(count(), 4);
  ASSERT_EQ(call(a_, "bob", "DELETE", "/v1/messages/r5").status, 200) << "a second soft delete";
  EXPECT_EQ(count(), 4);
  ASSERT_EQ(call(a_, "bob", "DELETE", "/v1/messages/r5?hard=true").status, 200) << "hard after soft";
  EXPECT_EQ(count(), 4);
  ASSERT_EQ(call(a_, "alice", "DELETE", "/v1/messages/r4?hard=true").status, 200);
  EXPECT_EQ(count(), 3);
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/messages/root/replies").json()["messages"].size(), 3u)
      << "hard-deleted replies are gone; the soft-deleted one was hard-deleted after";
}

TEST_F(TypesReactionsE2E, ARetriedSendAnswersWithTheCurrentReactions) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/retry", R"({"members":["bob"]})").status, 201);
  const json body = {{"id", "once"}, {"text", "sent once"}};
  send(a_, "alice", "messaging/retry", body);
  ASSERT_EQ(call(a_, "bob", "POST", "/v1/messages/once/reactions", R"({"type":"like"})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/messages/once/reactions", R"({"type":"love","score":2})").status, 201);
  const auto seq = call(a_, "alice", "GET", "/v1/channels/messaging/retry").json()["channel"]["last_seq"];

  auto retried = call(a_, "alice", "POST", "/v1/channels/messaging/retry/messages", body.dump());
  ASSERT_EQ(retried.status, 200) << "the stored message, not a second one: " << retried.body;
  const json message = retried.json()["message"];
  EXPECT_EQ(message["id"], "once");
  EXPECT_EQ(message["reaction_counts"], (json{{"like", 1}, {"love", 1}}));
  ASSERT_EQ(message["own_reactions"].size(), 1u) << "the sender's own reactions";
  EXPECT_EQ(message["own_reactions"][0]["type"], "love");
  EXPECT_EQ(message["own_reactions"][0]["score"], 2);
  // A server retrying on alice's behalf gets the counts (and no one's own reactions).
  const json as_server = {{"id", "srv"}, {"text", "from the backend"}, {"user_id", "bob"}};
  ASSERT_EQ(call(a_, "server", "POST", "/v1/channels/messaging/retry/messages", as_server.dump()).status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/messages/srv/reactions", R"({"type":"wow"})").status, 201);
  auto server_retry = call(a_, "server", "POST", "/v1/channels/messaging/retry/messages", as_server.dump());
  ASSERT_EQ(server_retry.status, 200) << server_retry.body;
  EXPECT_EQ(server_retry.json()["message"]["reaction_counts"], (json{{"wow", 1}}));
  EXPECT_EQ(server_retry.json()["message"]["own_reactions"], json::array());
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/channels/messaging/retry").json()["channel"]["last_seq"],
            seq.get<int>() + 2) << "retries take no seq";
}
