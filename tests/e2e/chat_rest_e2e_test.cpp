// The chat REST API against the real binary and a real PostgreSQL.
#include "e2e_fixture.hpp"

#include <atomic>
#include <set>
#include <thread>

using namespace parley::test;
using Tenant = TestApp;

class ChatRestE2E : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    a_ = make_tenant("app-a");
    b_ = make_tenant("app-b");
  }

  // The shared app fixture; tests rely on alice's display name.
  Tenant make_tenant(const std::string& name) {
    Tenant t = make_test_app(port_, db_.url(), name);
    auto up = http_request(port_, "POST", "/v1/users", R"({"users":[{"id":"alice","name":"Alice"}]})", t.as("server"));
    EXPECT_EQ(up.status, 201) << up.body;
    return t;
  }

  Tenant a_, b_;
};

TEST_F(ChatRestE2E, RequestsWithoutValidCredentialsAre401) {
  expect_error_envelope(http_request(port_, "GET", "/v1/channels/messaging/x"), 401, "unauthenticated");
  expect_error_envelope(http_request(port_, "GET", "/v1/channels/messaging/x", "",
                                     {{"X-Api-Key", a_.keys.api_key}, {"Authorization", "Bearer nonsense"}}),
                        401, "unauthenticated");
  // A token of app B presented with app A's key: the signature does not match A's secret.
  expect_error_envelope(http_request(port_, "GET", "/v1/users/alice", "",
                                     {{"X-Api-Key", a_.keys.api_key}, {"Authorization", "Bearer " + b_.server_token}}),
                        401, "invalid_signature");
}

TEST_F(ChatRestE2E, UsersUpsertGetAndValidation) {
  auto got = call(a_, "alice", "GET", "/v1/users/alice");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json()["user"]["name"], "Alice");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/users", R"({"users":[{"id":"x"}]})"), 403, "forbidden");
  expect_error_envelope(call(a_, "server", "POST", "/v1/users", R"({"users":[{"id":"bad id!?"}]})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "server", "POST", "/v1/users", R"({"users":)"), 400, "invalid_json");
  expect_error_envelope(call(a_, "server", "GET", "/v1/users/nobody"), 404, "not_found");
  // Partial upsert keeps what it does not mention.
  ASSERT_EQ(call(a_, "server", "POST", "/v1/users", R"({"users":[{"id":"alice","image":"https://i/a.png"}]})").status,
            201);
  auto again = call(a_, "alice", "GET", "/v1/users/alice").json()["user"];
  EXPECT_EQ(again["name"], "Alice");
  EXPECT_EQ(again["image"], "https://i/a.png");
}

TEST_F(ChatRestE2E, CreateOrGetChannelThenSendAndReadHistory) {
  auto created = call(a_, "alice", "PUT", "/v1/channels/messaging/general", R"({"name":"General","members":["bob"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["channel"]["cid"], "messaging:general");
  EXPECT_EQ(created.json()["members"].size(), 2u);
  EXPECT_EQ(call(a_, "bob", "PUT", "/v1/channels/messaging/general", "{}").status, 200) << "create-or-get";

  for (int i = 1; i <= 5; ++i) {
    auto sent = call(a_, i % 2 ? "alice" : "bob", "POST", "/v1/channels/messaging/general/messages",
                     R"({"text":"hello )" + std::to_string(i) + R"("})");
    ASSERT_EQ(sent.status, 201) << sent.body;
    EXPECT_EQ(sent.json()["message"]["seq"], i);
    EXPECT_EQ(sent.json()["message"]["cid"], "messaging:general");
    EXPECT_EQ(sent.json()["message"]["type"], "regular");
  }
  auto page = call(a_, "bob", "GET", "/v1/channels/messaging/general/messages?limit=2");
  ASSERT_EQ(page.status, 200);
  ASSERT_EQ(page.json()["messages"].size(), 2u);
  EXPECT_EQ(page.json()["messages"][0]["seq"], 4) << "the newest page, ascending";
  EXPECT_EQ(page.json()["messages"][1]["seq"], 5);
  EXPECT_EQ(page.json()["has_more"], true);
  auto older = call(a_, "bob", "GET", "/v1/channels/messaging/general/messages?before_seq=4&limit=10");
  ASSERT_EQ(older.json()["messages"].size(), 3u);
  EXPECT_EQ(older.json()["messages"][0]["seq"], 1);
  EXPECT_EQ(older.json()["has_more"], false);
  auto after = call(a_, "bob", "GET", "/v1/channels/messaging/general/messages?after_seq=3");
  ASSERT_EQ(after.json()["messages"].size(), 2u);
  EXPECT_EQ(after.json()["messages"][0]["seq"], 4);

  auto events = call(a_, "alice", "GET", "/v1/channels/messaging/general/events?after_seq=2&limit=2");
  ASSERT_EQ(events.status, 200);
  ASSERT_EQ(events.json()["events"].size(), 2u);
  EXPECT_EQ(events.json()["events"][0]["type"], "message.new");
  EXPECT_EQ(events.json()["events"][0]["seq"], 3);
  EXPECT_EQ(events.json()["has_more"], true);
  auto state = call(a_, "bob", "GET", "/v1/channels/messaging/general");
  EXPECT_EQ(state.json()["channel"]["last_seq"], 5);
  EXPECT_EQ(state.json()["messages"].size(), 5u);
  // The history page (rendered straight to text) and the channel state (a JSON tree) agree field by field.
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/channels/messaging/general/messages?limit=5").json()["messages"],
            state.json()["messages"]);
  // Bad and unauthorized history reads get the documented envelope.
  const std::string history = "/v1/channels/messaging/general/messages";
  for (const char* bad : {"?limit=0", "?limit=201", "?limit=abc", "?before_seq=x", "?after_seq=-1", "?before_seq=1e3"}) {
    expect_error_envelope(call(a_, "bob", "GET", history + bad), 400, "invalid_request");
  }
  EXPECT_EQ(call(a_, "bob", "GET", history + "?before_seq=9223372036854775807").json()["messages"].size(), 5u);
  EXPECT_EQ(call(a_, "bob", "GET", history + "?after_seq=9223372036854775807").json()["messages"].size(), 0u);
  expect_error_envelope(call(a_, "mallory", "GET", history), 403, "forbidden");
  expect_error_envelope(call(a_, "bob", "GET", "/v1/channels/messaging/nope/messages"), 404, "not_found");
  expect_error_envelope(call(a_, "bob", "GET", "/v1/channels/messaging/bad%20id/messages"), 400, "invalid_request");
  expect_error_envelope(http_request(port_, "GET", history, "", {{"X-Api-Key", a_.keys.api_key}}), 401,
                        "unauthenticated");
}

TEST_F(ChatRestE2E, ValidationAndLimitsOfASend) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/v", "{}").status, 201);
  const std::string path = "/v1/channels/messaging/v/messages";
  expect_error_envelope(call(a_, "alice", "POST", path, R"({"text":""})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", path, R"({"text":5})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", path, R"({"id":"has space","text":"x"})"), 400, "invalid_request");
  const std::string long_text(5001, 'a');
  auto too_long = call(a_, "alice", "POST", path, R"({"text":")" + long_text + R"("})");
  expect_error_envelope(too_long, 400, "invalid_request");
  EXPECT_EQ(too_long.json()["error"]["details"]["limit"], "message_text");
  // 5000 multi-byte characters are within the limit: it counts characters, not bytes.
  std::string five_thousand;
  for (int i = 0; i < 5000; ++i) five_thousand += "\xc3\xa9";
  EXPECT_EQ(call(a_, "alice", "POST", path, R"({"text":")" + five_thousand + R"("})").status, 201);
  nlohmann::json many = {{"text", "x"}, {"attachments", nlohmann::json::array()}};
  for (int i = 0; i < 31; ++i) many["attachments"].push_back({{"type", "image"}});
  EXPECT_EQ(call(a_, "alice", "POST", path, many.dump()).json()["error"]["details"]["limit"], "attachments");
  nlohmann::json big_custom = {{"text", "x"}, {"custom", {{"blob", std::string(6000, 'x')}}}};
  EXPECT_EQ(call(a_, "alice", "POST", path, big_custom.dump()).json()["error"]["details"]["limit"], "custom");
  std::string deep = R"({"text":"x","custom":)";
  for (int i = 0; i < 40; ++i) deep += R"({"a":)";
  deep += "1";
  for (int i = 0; i < 40; ++i) deep += "}";
  deep += "}";
  expect_error_envelope(call(a_, "alice", "POST", path, deep), 400, "invalid_json");
  expect_error_envelope(call(a_, "alice", "POST", path, R"({"text":"a\u0000b"})"), 400, "invalid_json");
  expect_error_envelope(call(a_, "alice", "POST", path, R"({"text":"x","custom":{"k":"\u0000"}})"), 400,
                        "invalid_json");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/nosuchtype/v/messages", R"({"text":"x"})"), 404,
                        "not_found");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging/nochannel/messages", R"({"text":"x"})"), 404,
                        "not_found");
  expect_error_envelope(call(a_, "alice", "GET", path + "?limit=500"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels/messaging/v/events"), 400, "invalid_request");
  // Nothing invalid was stored: only the one valid message has a seq.
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/channels/messaging/v").json()["channel"]["last_seq"], 1);
}

TEST_F(ChatRestE2E, MessagingIsMembersOnlyLivestreamIsOpen) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/private", R"({"members":["bob"]})").status, 201);
  expect_error_envelope(call(a_, "mallory", "GET", "/v1/channels/messaging/private"), 403, "forbidden");
  expect_error_envelope(call(a_, "mallory", "POST", "/v1/channels/messaging/private/messages", R"({"text":"hi"})"), 403,
                        "forbidden");
  expect_error_envelope(call(a_, "mallory", "GET", "/v1/channels/messaging/private/messages"), 403, "forbidden");
  EXPECT_EQ(call(a_, "bob", "POST", "/v1/channels/messaging/private/messages", R"({"text":"hi"})").status, 201);
  EXPECT_EQ(call(a_, "server", "GET", "/v1/channels/messaging/private").status, 200) << "server tokens see all";
  expect_error_envelope(call(a_, "server", "POST", "/v1/channels/messaging/private/messages", R"({"text":"hi"})"), 400,
                        "invalid_request");  // a server must say who sends
  EXPECT_EQ(call(a_, "server", "POST", "/v1/channels/messaging/private/messages", R"({"text":"hi","user_id":"bob"})")
                .status,
            201);

  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/livestream/show", "{}").status, 201);
  EXPECT_EQ(call(a_, "mallory", "GET", "/v1/channels/livestream/show").status, 200);
  EXPECT_EQ(call(a_, "mallory", "POST", "/v1/channels/livestream/show/messages", R"({"text":"hi"})").status, 201);
}

TEST_F(ChatRestE2E, TenantsNeverSeeEachOthersData) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/shared-name", R"({"members":["bob"]})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/shared-name/messages", R"({"id":"a-msg","text":"A secret"})")
                .status,
            201);
  // B's server token has full rights in B, none in A: the same names resolve to B's own (absent) data.
  expect_error_envelope(call(b_, "server", "GET", "/v1/channels/messaging/shared-name"), 404, "not_found");
  expect_error_envelope(call(b_, "server", "GET", "/v1/channels/messaging/shared-name/messages"), 404, "not_found");
  expect_error_envelope(call(b_, "server", "GET", "/v1/channels/messaging/shared-name/events?after_seq=0"), 404,
                        "not_found");
  // B creating a channel of the same name gets its own, empty one.
  auto b_channel = call(b_, "alice", "PUT", "/v1/channels/messaging/shared-name", "{}");
  ASSERT_EQ(b_channel.status, 201);
  EXPECT_TRUE(b_channel.json()["messages"].empty());
  EXPECT_EQ(b_channel.body.find("A secret"), std::string::npos);
  // The same message id in B is B's own message, not a conflict with A's and not A's content.
  auto b_msg = call(b_, "alice", "POST", "/v1/channels/messaging/shared-name/messages", R"({"id":"a-msg","text":"B"})");
  EXPECT_EQ(b_msg.status, 201) << b_msg.body;
  EXPECT_EQ(b_msg.json()["message"]["text"], "B");
  // Users are per app too.
  ASSERT_EQ(call(b_, "server", "POST", "/v1/users", R"({"users":[{"id":"alice","name":"B-Alice"}]})").status, 201);
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/users/alice").json()["user"]["name"], "Alice");
  // A is untouched.
  auto a_history = call(a_, "bob", "GET", "/v1/channels/messaging/shared-name/messages");
  ASSERT_EQ(a_history.json()["messages"].size(), 1u);
  EXPECT_EQ(a_history.json()["messages"][0]["text"], "A secret");
}

TEST_F(ChatRestE2E, ConcurrentDuplicateSendsStoreTheMessageOnce) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/dup", "{}").status, 201);
  constexpr int kSenders = 8;
  std::vector<std::thread> threads;
  std::atomic<int> created{0}, replayed{0}, other{0};
  for (int i = 0; i < kSenders; ++i) {
    threads.emplace_back([&] {
      auto r = call(a_, "alice", "POST", "/v1/channels/messaging/dup/messages", R"({"id":"same-id","text":"once"})");
      if (r.status == 201) {
        ++created;
      } else if (r.status == 200 && r.json()["message"]["seq"] == 1) {
        ++replayed;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(replayed.load(), kSenders - 1);
  EXPECT_EQ(other.load(), 0);
  auto history = call(a_, "alice", "GET", "/v1/channels/messaging/dup/messages");
  EXPECT_EQ(history.json()["messages"].size(), 1u);
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/channels/messaging/dup").json()["channel"]["last_seq"], 1) << "no seq burnt";
  expect_error_envelope(
      call(a_, "alice", "POST", "/v1/channels/messaging/dup/messages", R"({"id":"same-id","text":"different"})"), 409,
      "conflict");
}

TEST_F(ChatRestE2E, SeqIsGaplessWithEightWritersAcrossTwoNodes) {
  const auto port2 = free_port();
  ParleyProcess second(ParleyProcess::serve_args(port2, db_.url(), std::nullopt, {}));
  second.start();
  second.wait_healthy();
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/livestream/race", "{}").status, 201);
  constexpr int kWriters = 8;
  constexpr int kPerWriter = 25;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  std::mutex seqs_mutex;
  std::vector<std::int64_t> seqs;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const auto port = w % 2 == 0 ? port_ : port2;  // half the writers on each node
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto r = http_request(port, "POST", "/v1/channels/livestream/race/messages",
                              R"({"id":")" + id + R"(","text":"x"})", a_.as(w % 3 == 0 ? "bob" : "alice"));
        if (r.status != 201) {
          ++failures;
          continue;
        }
        std::lock_guard lock(seqs_mutex);
        seqs.push_back(r.json()["message"]["seq"].get<std::int64_t>());
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::sort(seqs.begin(), seqs.end());
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kWriters * kPerWriter));
  for (std::size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], static_cast<std::int64_t>(i + 1)) << "gap or duplicate";
  // The event log agrees, in order, with no gaps.
  auto events = call(a_, "alice", "GET", "/v1/channels/livestream/race/events?after_seq=0&limit=1000");
  ASSERT_EQ(events.json()["events"].size(), seqs.size());
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(events.json()["events"][i]["seq"], i + 1);
  EXPECT_EQ(second.stop(), 0);
}

TEST_F(ChatRestE2E, ThreadRepliesCountAndStayOutOfTheChannelList) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/t", R"({"members":["bob"]})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/t/messages", R"({"id":"root","text":"q"})").status, 201);
  auto reply = call(a_, "bob", "POST", "/v1/channels/messaging/t/messages", R"({"text":"a","parent_id":"root"})");
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(reply.json()["message"]["type"], "reply");
  EXPECT_EQ(call(a_, "bob", "POST", "/v1/channels/messaging/t/messages",
                 R"({"text":"a2","parent_id":"root","show_in_channel":true})")
                .status,
            201);
  expect_error_envelope(
      call(a_, "bob", "POST", "/v1/channels/messaging/t/messages", R"({"text":"x","parent_id":"missing"})"), 400,
      "invalid_request");
  auto history = call(a_, "bob", "GET", "/v1/channels/messaging/t/messages").json()["messages"];
  ASSERT_EQ(history.size(), 2u) << "the thread-only reply is not in the channel list";
  EXPECT_EQ(history[0]["id"], "root");
  EXPECT_EQ(history[0]["reply_count"], 2);
}

TEST_F(ChatRestE2E, UnreadCountsFollowTheContractAndReadMarks) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/u1", R"({"members":["bob"]})").status, 201);
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/u2", R"({"members":["bob"]})").status, 201);
  const std::string p1 = "/v1/channels/messaging/u1/messages";
  for (int i = 0; i < 3; ++i) ASSERT_EQ(call(a_, "alice", "POST", p1, R"({"text":"counted"})").status, 201);
  ASSERT_EQ(call(a_, "bob", "POST", p1, R"({"text":"own message: not counted"})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", p1, R"({"text":"silent: not counted","silent":true})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", p1, R"({"id":"root","text":"counted"})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", p1, R"({"text":"thread-only: not counted","parent_id":"root"})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/u2/messages", R"({"text":"counted"})").status, 201);

  auto me = call(a_, "bob", "GET", "/v1/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["total_unread_count"], 5);
  EXPECT_EQ(me.json()["unread_channels"], 2);
  EXPECT_EQ(me.json()["user"]["id"], "bob");
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/me").json()["total_unread_count"], 1) << "bob's message is unread for alice";

  auto partial = call(a_, "bob", "POST", "/v1/channels/messaging/u1/read", R"({"seq":2})");
  ASSERT_EQ(partial.status, 200) << partial.body;
  EXPECT_EQ(partial.json()["read"]["last_read_seq"], 2);
  EXPECT_EQ(partial.json()["unread_count"], 2);
  auto backwards = call(a_, "bob", "POST", "/v1/channels/messaging/u1/read", R"({"seq":1})");
  EXPECT_EQ(backwards.json()["read"]["last_read_seq"], 2) << "a read mark never moves backwards";
  EXPECT_EQ(call(a_, "bob", "POST", "/v1/channels/messaging/u1/read", "").json()["unread_count"], 0);
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/me").json()["total_unread_count"], 1);
  expect_error_envelope(call(a_, "mallory", "POST", "/v1/channels/messaging/u1/read", "{}"), 403, "forbidden");
  expect_error_envelope(call(a_, "bob", "POST", "/v1/channels/messaging/u1/read", R"({"seq":-1})"), 400,
                        "invalid_request");
  // Read marks are state, not events: they take no seq.
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/channels/messaging/u1").json()["channel"]["last_seq"], 7);
}

TEST_F(ChatRestE2E, UnreadCountIsExactUpTo999) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/many", R"({"members":["bob"]})").status, 201);
  for (int i = 0; i < 1005; ++i) {
    ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/many/messages", R"({"text":"x"})").status, 201);
  }
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/me").json()["total_unread_count"], 1000) << "capped at 1000, exact below";
  EXPECT_EQ(call(a_, "bob", "POST", "/v1/channels/messaging/many/read", R"({"seq":6})").json()["unread_count"], 999);
}

TEST_F(ChatRestE2E, EditDeleteAndGetAMessageEachTakeASeq) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/ed", R"({"members":["bob"]})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/ed/messages", R"({"id":"e1","text":"first"})").status, 201);
  auto got = call(a_, "bob", "GET", "/v1/messages/e1");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json()["message"]["text"], "first");
  expect_error_envelope(call(a_, "mallory", "GET", "/v1/messages/e1"), 403, "forbidden");
  expect_error_envelope(call(b_, "server", "GET", "/v1/messages/e1"), 404, "not_found");

  auto edited = call(a_, "alice", "PATCH", "/v1/messages/e1", R"({"set":{"text":"edited"}})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(edited.json()["message"]["text"], "edited");
  expect_error_envelope(call(a_, "bob", "PATCH", "/v1/messages/e1", R"({"set":{"text":"not mine"}})"), 403, "forbidden");
  expect_error_envelope(call(a_, "alice", "PATCH", "/v1/messages/e1", R"({"set":{"seq":9}})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "bob", "PATCH", "/v1/messages/e1", R"({"set":{"pinned":true}})"), 403, "forbidden");
  EXPECT_EQ(call(a_, "alice", "PATCH", "/v1/messages/e1", R"({"set":{"pinned":true}})").json()["message"]["pinned"], true)
      << "the channel owner may pin";

  expect_error_envelope(call(a_, "bob", "DELETE", "/v1/messages/e1"), 403, "forbidden");
  auto soft = call(a_, "alice", "DELETE", "/v1/messages/e1");
  ASSERT_EQ(soft.status, 200) << soft.body;
  EXPECT_EQ(soft.json()["message"]["type"], "deleted");
  EXPECT_EQ(soft.json()["message"]["text"], "");
  EXPECT_FALSE(soft.json()["message"]["deleted_at"].is_null());

  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/ed/messages", R"({"id":"e2","text":"gone"})").status, 201);
  ASSERT_EQ(call(a_, "alice", "DELETE", "/v1/messages/e2?hard=true").status, 200);
  expect_error_envelope(call(a_, "alice", "GET", "/v1/messages/e2"), 404, "not_found");
  auto history = call(a_, "bob", "GET", "/v1/channels/messaging/ed/messages").json()["messages"];
  ASSERT_EQ(history.size(), 1u) << "hard delete really removes";
  EXPECT_EQ(history[0]["type"], "deleted");

  expect_error_envelope(call(a_, "alice", "DELETE", "/v1/messages/e1?hard=yes"), 400, "invalid_request");
  // Permission is checked before the deleted state: a non-member learns nothing.
  expect_error_envelope(call(a_, "mallory", "PATCH", "/v1/messages/e1", R"({"set":{"text":"x"}})"), 403, "forbidden");
  auto events = call(a_, "bob", "GET", "/v1/channels/messaging/ed/events?after_seq=0").json()["events"];
  EXPECT_EQ(events.dump().find("first"), std::string::npos) << "deleted text is scrubbed from the event log";
  EXPECT_EQ(events.dump().find("gone"), std::string::npos);
  std::vector<std::string> types;
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["seq"], i + 1);
    types.push_back(events[i]["type"]);
  }
  EXPECT_EQ(types, (std::vector<std::string>{"message.new", "message.updated", "message.updated", "message.deleted",
                                             "message.new", "message.deleted"}));
  EXPECT_EQ(events.back()["hard_delete"], true);
}

TEST_F(ChatRestE2E, FrozenChannelsAndSlowMode) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/fz", R"({"members":["bob"]})").status, 201);
  expect_error_envelope(call(a_, "bob", "PATCH", "/v1/channels/messaging/fz", R"({"set":{"frozen":true}})"), 403,
                        "forbidden");
  auto frozen = call(a_, "alice", "PATCH", "/v1/channels/messaging/fz", R"({"set":{"frozen":true,"name":"Frozen"}})");
  ASSERT_EQ(frozen.status, 200) << frozen.body;
  EXPECT_EQ(frozen.json()["channel"]["frozen"], true);
  EXPECT_EQ(frozen.json()["channel"]["name"], "Frozen");
  expect_error_envelope(call(a_, "bob", "POST", "/v1/channels/messaging/fz/messages", R"({"text":"x"})"), 403,
                        "channel_frozen");
  EXPECT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/fz/messages", R"({"text":"owner may"})").status, 201);

  ASSERT_EQ(call(a_, "alice", "PATCH", "/v1/channels/messaging/fz", R"({"set":{"frozen":false,"cooldown_s":60}})").status,
            200);
  EXPECT_EQ(call(a_, "bob", "POST", "/v1/channels/messaging/fz/messages", R"({"id":"c1","text":"one"})").status, 201);
  auto slow = call(a_, "bob", "POST", "/v1/channels/messaging/fz/messages", R"({"text":"two"})");
  expect_error_envelope(slow, 429, "cooldown");
  EXPECT_FALSE(slow.header("retry-after").empty());
  EXPECT_EQ(call(a_, "bob", "POST", "/v1/channels/messaging/fz/messages", R"({"id":"c1","text":"one"})").status, 200)
      << "a retry of a stored message is not slowed";
  expect_error_envelope(call(a_, "alice", "PATCH", "/v1/channels/messaging/fz", R"({"set":{"cooldown_s":-1}})"), 400,
                        "invalid_request");
  expect_error_envelope(
      call(a_, "alice", "PATCH", "/v1/channels/messaging/fz", R"({"set":{"cooldown_s":4294967356}})"), 400,
      "invalid_request");
  auto events = call(a_, "alice", "GET", "/v1/channels/messaging/fz/events?after_seq=0").json()["events"];
  EXPECT_EQ(events[0]["type"], "channel.updated");
  EXPECT_EQ(events[0]["seq"], 1);
}

TEST_F(ChatRestE2E, MembersChangeWithEventsAndPaginate) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/m", "{}").status, 201);
  expect_error_envelope(call(a_, "bob", "POST", "/v1/channels/messaging/m/members", R"({"add":["bob"]})"), 403,
                        "forbidden");
  auto added = call(a_, "alice", "POST", "/v1/channels/messaging/m/members", R"({"add":["bob","mallory","bob"]})");
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(added.json()["members"].size(), 3u);
  EXPECT_EQ(added.json()["last_seq"], 2) << "two new members, two events; the repeated id is a no-op";
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/channels/messaging/m").status, 200) << "bob is a member now";
  auto roles = call(a_, "alice", "POST", "/v1/channels/messaging/m/members", R"({"roles":{"bob":"moderator"}})");
  ASSERT_EQ(roles.status, 200);
  // A moderator may not take ownership or touch the owner.
  expect_error_envelope(call(a_, "bob", "POST", "/v1/channels/messaging/m/members", R"({"roles":{"bob":"owner"}})"), 403,
                        "forbidden");
  expect_error_envelope(call(a_, "bob", "POST", "/v1/channels/messaging/m/members", R"({"remove":["alice"]})"), 403,
                        "forbidden");
  // A moderator may now remove members (update_members is granted to channel_moderator).
  ASSERT_EQ(call(a_, "bob", "POST", "/v1/channels/messaging/m/members", R"({"remove":["mallory"]})").status, 200);
  expect_error_envelope(call(a_, "mallory", "GET", "/v1/channels/messaging/m"), 403, "forbidden");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging/m/members", R"({"roles":{"bob":"king"}})"),
                        400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging/m/members", R"({})"), 400, "invalid_request");

  auto events = call(a_, "alice", "GET", "/v1/channels/messaging/m/events?after_seq=0").json()["events"];
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0]["type"], "member.added");
  EXPECT_EQ(events[2]["type"], "member.updated");
  EXPECT_EQ(events[2]["member"]["role"], "moderator");
  EXPECT_EQ(events[3]["type"], "member.removed");
  EXPECT_EQ(events[3]["member"]["user_id"], "mallory");

  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/m/members", R"({"add":["u1","u2","u3"]})").status, 200);
  std::vector<std::string> seen;
  std::string next;
  for (int page = 0; page < 5; ++page) {
    auto r = call(a_, "alice", "GET", "/v1/channels/messaging/m/members?limit=2" + (next.empty() ? "" : "&next=" + next));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto body = r.json();
    for (const auto& m : body["members"]) seen.push_back(m["user_id"]);
    if (body["next"].is_null()) break;
    next = body["next"];
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"alice", "bob", "u1", "u2", "u3"})) << "every member once, in order";
}

TEST_F(ChatRestE2E, APatchThatChangesNothingTakesNoSeqAndLogsNoEvent) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/noop", R"({"name":"Noop","members":["bob"]})").status, 201);
  auto sent = call(a_, "alice", "POST", "/v1/channels/messaging/noop/messages",
                   R"({"id":"n1","text":"same","custom":{"k":1}})");
  ASSERT_EQ(sent.status, 201) << sent.body;
  ASSERT_EQ(call(a_, "bob", "POST", "/v1/messages/n1/reactions", R"({"type":"like"})").status, 201);
  const auto state = call(a_, "alice", "GET", "/v1/channels/messaging/noop").json();
  const auto seq = state["channel"]["last_seq"].get<int>();
  const auto last_seq = [&] {
    return call(a_, "alice", "GET", "/v1/channels/messaging/noop").json()["channel"]["last_seq"].get<int>();
  };
  const auto events_after = [&](int s) {
    return call(a_, "alice", "GET", "/v1/channels/messaging/noop/events?after_seq=" + std::to_string(s))
        .json()["events"];
  };

  // Message: the same text, custom and pinned -> 200 with the message as it is.
  for (const char* body : {R"({"set":{"text":"same"}})", R"({"set":{"text":"same","custom":{"k":1},"pinned":false}})"}) {
    auto r = call(a_, "alice", "PATCH", "/v1/messages/n1", body);
    ASSERT_EQ(r.status, 200) << body << ": " << r.body;
    EXPECT_EQ(r.json()["message"]["text"], "same");
    EXPECT_EQ(r.json()["message"]["updated_at"], sent.json()["message"]["updated_at"]) << "not touched";
    EXPECT_EQ(r.json()["message"]["seq"], sent.json()["message"]["seq"]);
    EXPECT_EQ(r.json()["message"]["reaction_counts"], (nlohmann::json{{"like", 1}}));
  }
  // A no-op is still checked: permission and the deleted state come first.
  expect_error_envelope(call(a_, "bob", "PATCH", "/v1/messages/n1", R"({"set":{"text":"same"}})"), 403, "forbidden");
  expect_error_envelope(call(a_, "mallory", "PATCH", "/v1/messages/n1", R"({"set":{"text":"same"}})"), 403,
                        "forbidden");
  // Channel: the same name, custom, frozen and cooldown_s -> 200 with the channel as it is.
  for (const char* body :
       {R"({"set":{"name":"Noop"}})", R"({"set":{"name":"Noop","custom":{},"frozen":false,"cooldown_s":0}})"}) {
    auto r = call(a_, "alice", "PATCH", "/v1/channels/messaging/noop", body);
    ASSERT_EQ(r.status, 200) << body << ": " << r.body;
    EXPECT_EQ(r.json()["channel"], state["channel"]) << "the channel unchanged, updated_at included";
  }
  expect_error_envelope(call(a_, "bob", "PATCH", "/v1/channels/messaging/noop", R"({"set":{"name":"Noop"}})"), 403,
                        "forbidden");
  EXPECT_EQ(last_seq(), seq) << "no seq taken by any no-op";
  EXPECT_TRUE(events_after(seq).empty()) << "no event logged";

  // One field that differs makes it a change: one seq, one event each.
  auto pin = call(a_, "alice", "PATCH", "/v1/messages/n1", R"({"set":{"text":"same","pinned":true}})");
  ASSERT_EQ(pin.status, 200) << pin.body;
  EXPECT_EQ(pin.json()["message"]["pinned"], true);
  auto rename = call(a_, "alice", "PATCH", "/v1/channels/messaging/noop", R"({"set":{"name":"Noop","frozen":true}})");
  ASSERT_EQ(rename.status, 200) << rename.body;
  EXPECT_EQ(rename.json()["channel"]["frozen"], true);
  EXPECT_EQ(last_seq(), seq + 2);
  const auto events = events_after(seq);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "message.updated");
  EXPECT_EQ(events[1]["type"], "channel.updated");
  // A deleted message stays refused even when the patch would change nothing.
  ASSERT_EQ(call(a_, "alice", "DELETE", "/v1/messages/n1").status, 200);
  expect_error_envelope(call(a_, "alice", "PATCH", "/v1/messages/n1", R"({"set":{"text":""}})"), 400,
                        "invalid_request");
}
