// Distinct channels, the channel list, delete, truncate, hide/show and mute/unmute
// (API.md section 5, Channels) against the real binary and a real PostgreSQL.
#include "e2e_fixture.hpp"

#include <set>
#include <thread>

using namespace parley::test;

namespace {

using Tenant = TestApp;

// The cids of a channel list, in order.
std::vector<std::string> cids(const nlohmann::json& list) {
  std::vector<std::string> out;
  const auto& channels = list.at("channels");
  for (const auto& s : channels) out.push_back(s.at("channel").at("cid").get<std::string>());
  return out;
}

const nlohmann::json* find_state(const nlohmann::json& list, const std::string& cid) {
  for (const auto& s : list.at("channels")) {
    if (s.at("channel").at("cid") == cid) return &s;
  }
  return nullptr;
}

}  // namespace

class ChannelAdminE2E : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    a_ = make_tenant("app-a");
    b_ = make_tenant("app-b");
  }

  Tenant make_tenant(const std::string& name) {
    return make_test_app(port_, db_.url(), name, {"alice", "bob", "carol", "mallory"});
  }

  nlohmann::json ok(const Tenant& t, const std::string& who, const std::string& method, const std::string& target,
                    const std::string& body = "", int status = 200) {
    auto r = call(t, who, method, target, body);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    return nlohmann::json::parse(r.body, nullptr, false);
  }
  void send(const Tenant& t, const std::string& who, const std::string& channel, const std::string& text) {
    ASSERT_EQ(call(t, who, "POST", "/v1/channels/messaging/" + channel + "/messages", R"({"text":")" + text + R"("})")
                  .status,
              201);
  }

  Tenant a_, b_;
};

TEST_F(ChannelAdminE2E, DistinctChannelIsTheSameForTheSameMemberSet) {
  auto created = call(a_, "alice", "POST", "/v1/channels/messaging", R"({"members":["bob","alice"],"name":"DM"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto state = created.json();
  const std::string id = state["channel"]["id"];
  EXPECT_EQ(id.rfind("!members-", 0), 0u) << id;
  EXPECT_LE(id.size(), 64u);
  EXPECT_EQ(state["channel"]["cid"], "messaging:" + id);
  EXPECT_EQ(state["channel"]["created_by"], "alice");
  EXPECT_EQ(state["channel"]["name"], "DM");
  ASSERT_EQ(state["members"].size(), 2u);
  std::map<std::string, std::string> roles;
  for (const auto& m : state["members"]) roles[m["user_id"]] = m["role"];
  EXPECT_EQ(roles["alice"], "owner");
  EXPECT_EQ(roles["bob"], "member");
  EXPECT_TRUE(state["messages"].is_array());
  EXPECT_EQ(state["read"].size(), 2u);

  // Order and duplicates do not matter; any member (or the server) gets the same channel with 200.
  auto again = call(a_, "bob", "POST", "/v1/channels/messaging", R"({"members":["alice","bob","bob"]})");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["channel"]["id"], id);
  EXPECT_EQ(again.json()["channel"]["name"], "DM") << "an existing channel is not changed";
  EXPECT_EQ(ok(a_, "server", "POST", "/v1/channels/messaging", R"({"members":["bob","alice"]})")["channel"]["id"], id);
  // The id is a normal channel id: PUT and GET reach the same channel.
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/channels/messaging/" + id).status, 200);
  EXPECT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/" + id, "{}").status, 200);
  // Another set, another channel; another type, another channel.
  auto three = ok(a_, "alice", "POST", "/v1/channels/messaging", R"({"members":["alice","bob","carol"]})", 201);
  EXPECT_NE(three["channel"]["id"], id);
  auto live = ok(a_, "alice", "POST", "/v1/channels/livestream", R"({"members":["alice","bob"]})", 201);
  EXPECT_EQ(live["channel"]["cid"], "livestream:" + id);

  // A server creates for anyone; there is no owner then.
  auto by_server = ok(a_, "server", "POST", "/v1/channels/messaging", R"({"members":["carol","mallory"]})", 201);
  EXPECT_TRUE(by_server["channel"]["created_by"].is_null());
  for (const auto& m : by_server["members"]) EXPECT_EQ(m["role"], "member");

  // A user must be one of the members, also to get an existing distinct channel.
  expect_error_envelope(call(a_, "mallory", "POST", "/v1/channels/messaging", R"({"members":["alice","bob"]})"), 403,
                        "forbidden");
  expect_error_envelope(call(a_, "mallory", "POST", "/v1/channels/messaging", R"({"members":["carol","dave"]})"), 403,
                        "forbidden");
  // Validation.
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging", R"({"id":"x","members":["alice"]})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging", R"({"members":[]})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging", R"({"name":"x"})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging", R"({"members":["alice","bad id"]})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging", R"({"members":"alice"})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging", R"({"members":["alice"],"custom":[]})"),
                        400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging", R"({"members":)"), 400, "invalid_json");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging", ""), 400, "invalid_json");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/Bad!", R"({"members":["alice"]})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/nosuchtype", R"({"members":["alice"]})"), 404,
                        "not_found");
  nlohmann::json many = {{"members", nlohmann::json::array()}};
  for (int i = 0; i < 101; ++i) many["members"].push_back("u" + std::to_string(i));
  expect_error_envelope(call(a_, "server", "POST", "/v1/channels/messaging", many.dump()), 400, "invalid_request");
}

TEST_F(ChannelAdminE2E, ConcurrentDistinctCreationMakesOneChannel) {
  constexpr int kClients = 8;
  std::vector<HttpResponse> results(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      results[i] = call(a_, i % 2 ? "alice" : "bob", "POST", "/v1/channels/messaging",
                        i % 2 ? R"({"members":["alice","bob"]})" : R"({"members":["bob","alice"]})");
    });
  }
  for (auto& t : threads) t.join();
  int created = 0;
  std::set<std::string> ids;
  for (const auto& r : results) {
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.status << " " << r.body;
    if (r.status == 201) ++created;
    ids.insert(r.json()["channel"]["id"].get<std::string>());
    EXPECT_EQ(r.json()["members"].size(), 2u) << r.body;
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(ids.size(), 1u);
  // One channel in each member's list, with the creator as its one owner.
  const auto list = ok(a_, "bob", "GET", "/v1/channels");
  ASSERT_EQ(list["channels"].size(), 1u) << list.dump();
  int owners = 0;
  for (const auto& m : list["channels"][0]["members"]) owners += m["role"] == "owner";
  EXPECT_EQ(owners, 1);
}

TEST_F(ChannelAdminE2E, ListSortsPaginatesAndCountsUnread) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/c" + std::to_string(i), R"({"members":["bob"]})").status,
              201);
  }
  ASSERT_EQ(call(a_, "carol", "PUT", "/v1/channels/livestream/stage", "{}").status, 201);
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/not-mine", R"({"members":["carol"]})").status, 201);
  ASSERT_EQ(call(a_, "server", "DELETE", "/v1/channels/messaging/not-mine?hard=true").status, 200);
  ASSERT_EQ(call(a_, "carol", "PUT", "/v1/channels/messaging/carols", "{}").status, 201);
  send(a_, "bob", "c2", "one");
  send(a_, "bob", "c0", "two");
  send(a_, "bob", "c0", "three");
  send(a_, "alice", "c4", "own message: not unread for alice");
  send(a_, "bob", "c4", "four");

  // last_message_at descending; channels without messages by created_at, after them here.
  const auto all = ok(a_, "alice", "GET", "/v1/channels");
  EXPECT_EQ(cids(all), (std::vector<std::string>{"messaging:c4", "messaging:c0", "messaging:c2", "messaging:c3",
                                                 "messaging:c1"}));
  EXPECT_TRUE(all["next"].is_null());
  const auto* c0 = find_state(all, "messaging:c0");
  ASSERT_NE(c0, nullptr);
  EXPECT_EQ((*c0)["unread_count"], 2);
  EXPECT_EQ((*c0)["membership"]["user_id"], "alice");
  EXPECT_EQ((*c0)["membership"]["role"], "owner");
  EXPECT_EQ((*c0)["membership"]["muted"], false);
  EXPECT_EQ((*c0)["messages"].size(), 2u);
  EXPECT_EQ((*c0)["messages"][0]["text"], "two") << "messages ascending";
  EXPECT_EQ((*c0)["members"].size(), 2u);
  EXPECT_EQ((*c0)["read"].size(), 2u);
  EXPECT_EQ((*find_state(all, "messaging:c4"))["unread_count"], 1) << "own messages are not unread";
  EXPECT_EQ((*find_state(all, "messaging:c1"))["unread_count"], 0);
  // The same state shape as GET, plus unread_count and membership.
  auto single = ok(a_, "alice", "GET", "/v1/channels/messaging/c0");
  auto listed = *c0;
  listed.erase("unread_count");
  listed.erase("membership");
  EXPECT_EQ(listed, single);

  // Pages of 2: 2 + 2 + 1, and the last page has no next.
  std::vector<std::string> paged;
  std::string next;
  int pages = 0;
  do {
    const auto page = ok(a_, "alice", "GET", "/v1/channels?limit=2" + (next.empty() ? "" : "&next=" + next));
    ASSERT_LE(page["channels"].size(), 2u);
    for (const auto& c : cids(page)) paged.push_back(c);
    next = page["next"].is_null() ? "" : page["next"].get<std::string>();
    ++pages;
  } while (!next.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(paged, cids(all));
  // A page that ends exactly at the end: no next.
  EXPECT_TRUE(ok(a_, "alice", "GET", "/v1/channels?limit=5")["next"].is_null());
  auto four = ok(a_, "alice", "GET", "/v1/channels?limit=4");
  ASSERT_FALSE(four["next"].is_null());
  EXPECT_EQ(cids(ok(a_, "alice", "GET", "/v1/channels?limit=4&next=" + four["next"].get<std::string>())),
            (std::vector<std::string>{"messaging:c1"}));

  // created_at descending; a cursor of one sort is refused by the other.
  const auto by_created = ok(a_, "alice", "GET", "/v1/channels?sort=created_at&limit=3");
  EXPECT_EQ(cids(by_created), (std::vector<std::string>{"messaging:c4", "messaging:c3", "messaging:c2"}));
  const std::string created_cursor = by_created["next"];
  EXPECT_EQ(cids(ok(a_, "alice", "GET", "/v1/channels?sort=created_at&limit=3&next=" + created_cursor)),
            (std::vector<std::string>{"messaging:c1", "messaging:c0"}));
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels?sort=last_message_at&next=" + created_cursor), 400,
                        "invalid_request");

  // Reading drops the count.
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/c0/read", "{}").status, 200);
  EXPECT_EQ((*find_state(ok(a_, "alice", "GET", "/v1/channels"), "messaging:c0"))["unread_count"], 0);

  // Filters and other users' views.
  EXPECT_EQ(cids(ok(a_, "carol", "GET", "/v1/channels?type=livestream")),
            (std::vector<std::string>{"livestream:stage"}));
  EXPECT_EQ(cids(ok(a_, "carol", "GET", "/v1/channels?member=me&type=messaging")),
            (std::vector<std::string>{"messaging:carols"}));
  EXPECT_TRUE(ok(a_, "mallory", "GET", "/v1/channels")["channels"].empty());
  const auto bobs = ok(a_, "server", "GET", "/v1/channels?member=bob&limit=1");
  ASSERT_EQ(bobs["channels"].size(), 1u);
  EXPECT_EQ(bobs["channels"][0]["membership"]["user_id"], "bob");
  EXPECT_EQ(bobs["channels"][0]["membership"]["role"], "member");
  EXPECT_EQ(bobs["channels"][0]["unread_count"], 1) << "alice's message in c4";
  EXPECT_EQ(ok(a_, "bob", "GET", "/v1/channels?member=bob")["channels"].size(), 5u);

  // Errors.
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels?member=bob"), 403, "forbidden");
  expect_error_envelope(call(a_, "server", "GET", "/v1/channels"), 400, "invalid_request");
  expect_error_envelope(call(a_, "server", "GET", "/v1/channels?member=me"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels?limit=0"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels?limit=101"), 400, "invalid_request");
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/channels?limit=100").status, 200);
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels?sort=name"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels?type=Bad!"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels?next=zz"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels?next=6c3a31"), 400, "invalid_request");
  expect_error_envelope(http_request(port_, "GET", "/v1/channels"), 401, "unauthenticated");
}

TEST_F(ChannelAdminE2E, SoftDeleteAnswers404AndBlocksRecreation) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/gone", R"({"members":["bob"]})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/gone/messages", R"({"id":"g-1","text":"x"})").status, 201);
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/livestream/open", "{}").status, 201);
  // Who may delete: servers, app admins and owners; not members, not other users, not another app.
  expect_error_envelope(call(a_, "bob", "DELETE", "/v1/channels/messaging/gone"), 403, "forbidden");
  expect_error_envelope(call(a_, "mallory", "DELETE", "/v1/channels/messaging/gone"), 403, "forbidden");
  expect_error_envelope(call(a_, "mallory", "DELETE", "/v1/channels/livestream/open"), 403, "forbidden");
  expect_error_envelope(call(b_, "server", "DELETE", "/v1/channels/messaging/gone"), 404, "not_found");
  expect_error_envelope(call(a_, "alice", "DELETE", "/v1/channels/messaging/gone?hard=maybe"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "DELETE", "/v1/channels/messaging/nothing"), 404, "not_found");

  const auto deleted = ok(a_, "alice", "DELETE", "/v1/channels/messaging/gone");
  EXPECT_EQ(deleted["channel"]["cid"], "messaging:gone");
  EXPECT_TRUE(deleted["channel"]["deleted_at"].is_string());
  EXPECT_EQ(deleted["channel"]["last_seq"], 2) << "a soft delete takes a seq (channel.deleted)";
  EXPECT_EQ(deleted["hard_delete"], false);
  for (const auto& who : {"alice", "bob"}) {
    expect_error_envelope(call(a_, who, "GET", "/v1/channels/messaging/gone"), 404, "not_found");
  }
  expect_error_envelope(call(a_, "server", "GET", "/v1/channels/messaging/gone"), 404, "not_found");
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels/messaging/gone/messages"), 404, "not_found");
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels/messaging/gone/events?after_seq=0"), 404, "not_found");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging/gone/messages", R"({"text":"y"})"), 404,
                        "not_found");
  expect_error_envelope(call(a_, "alice", "GET", "/v1/messages/g-1"), 404, "not_found");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging/gone/truncate"), 404, "not_found");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging/gone/hide"), 404, "not_found");
  expect_error_envelope(call(a_, "alice", "DELETE", "/v1/channels/messaging/gone"), 404, "not_found");
  EXPECT_EQ(cids(ok(a_, "bob", "GET", "/v1/channels")), std::vector<std::string>{});
  // The id is not silently re-created.
  expect_error_envelope(call(a_, "alice", "PUT", "/v1/channels/messaging/gone", "{}"), 409, "conflict");
  // A user cannot purge it; a server can, which frees the id.
  expect_error_envelope(call(a_, "alice", "DELETE", "/v1/channels/messaging/gone?hard=true"), 404, "not_found");
  expect_error_envelope(call(b_, "server", "DELETE", "/v1/channels/messaging/gone?hard=true"), 404, "not_found");
  EXPECT_EQ(ok(a_, "server", "DELETE", "/v1/channels/messaging/gone?hard=true")["hard_delete"], true);
  const auto fresh = ok(a_, "alice", "PUT", "/v1/channels/messaging/gone", "{}", 201);
  EXPECT_EQ(fresh["channel"]["last_seq"], 0);
  EXPECT_TRUE(fresh["messages"].empty());

  // A deleted distinct channel is not re-created either.
  const auto dm = ok(a_, "alice", "POST", "/v1/channels/messaging", R"({"members":["alice","bob"]})", 201);
  const std::string dm_id = dm["channel"]["id"];
  ASSERT_EQ(call(a_, "alice", "DELETE", "/v1/channels/messaging/" + dm_id).status, 200);
  expect_error_envelope(call(a_, "bob", "POST", "/v1/channels/messaging", R"({"members":["bob","alice"]})"), 409,
                        "conflict");
  // An app admin (not a member) may delete too.
  ASSERT_EQ(call(a_, "server", "POST", "/v1/users", R"({"users":[{"id":"mallory","role":"admin"}]})").status, 201);
  EXPECT_EQ(call(a_, "mallory", "DELETE", "/v1/channels/livestream/open").status, 200);
}

TEST_F(ChannelAdminE2E, HardDeleteRemovesTheChannelAndEverythingInIt) {
  ASSERT_EQ(call(a_, "server", "PUT", "/v1/channels/messaging/purge", R"({"members":["alice","bob"]})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/purge/messages", R"({"id":"p-1","text":"secret"})").status,
            201);
  // Same names in app B are B's own: B's delete does not touch A's channel.
  ASSERT_EQ(call(b_, "server", "PUT", "/v1/channels/messaging/purge", "{}").status, 201);
  ASSERT_EQ(call(b_, "server", "DELETE", "/v1/channels/messaging/purge?hard=true").status, 200);
  EXPECT_EQ(call(a_, "bob", "GET", "/v1/channels/messaging/purge").status, 200);

  const auto deleted = ok(a_, "server", "DELETE", "/v1/channels/messaging/purge?hard=true");
  EXPECT_EQ(deleted["hard_delete"], true);
  EXPECT_TRUE(deleted["channel"]["deleted_at"].is_string());
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels/messaging/purge"), 404, "not_found");
  expect_error_envelope(call(a_, "alice", "GET", "/v1/messages/p-1"), 404, "not_found");
  EXPECT_TRUE(ok(a_, "bob", "GET", "/v1/channels")["channels"].empty()) << "memberships are gone";
  // The id is free and nothing of the old channel remains: a message id is free too.
  const auto again = ok(a_, "alice", "PUT", "/v1/channels/messaging/purge", "{}", 201);
  EXPECT_EQ(again["channel"]["last_seq"], 0);
  EXPECT_EQ(again["members"].size(), 1u);
  EXPECT_TRUE(ok(a_, "alice", "GET", "/v1/channels/messaging/purge/events?after_seq=0")["events"].empty());
  EXPECT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/purge/messages", R"({"id":"p-1","text":"other"})").status,
            201);
}

TEST_F(ChannelAdminE2E, TruncateRemovesMessagesWithASeqAndClearsUnread) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/t", R"({"members":["bob"]})").status, 201);
  send(a_, "bob", "t", "one");
  send(a_, "bob", "t", "two");
  send(a_, "bob", "t", "three");
  EXPECT_EQ(ok(a_, "alice", "GET", "/v1/me")["total_unread_count"], 3);
  expect_error_envelope(call(a_, "bob", "POST", "/v1/channels/messaging/t/truncate"), 403, "forbidden");
  expect_error_envelope(call(a_, "mallory", "POST", "/v1/channels/messaging/t/truncate"), 403, "forbidden");
  expect_error_envelope(call(b_, "server", "POST", "/v1/channels/messaging/t/truncate"), 404, "not_found");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging/t/truncate", R"({"hard":true})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging/t/truncate", "[]"), 400, "invalid_json");

  const auto truncated = ok(a_, "alice", "POST", "/v1/channels/messaging/t/truncate");
  EXPECT_EQ(truncated["channel"]["last_seq"], 4);
  EXPECT_EQ(truncated["removed_messages"], 3);
  EXPECT_TRUE(ok(a_, "bob", "GET", "/v1/channels/messaging/t/messages")["messages"].empty());
  EXPECT_TRUE(ok(a_, "bob", "GET", "/v1/channels/messaging/t")["messages"].empty());
  const auto me = ok(a_, "alice", "GET", "/v1/me");
  EXPECT_EQ(me["total_unread_count"], 0);
  EXPECT_EQ(me["unread_channels"], 0);
  EXPECT_EQ((*find_state(ok(a_, "alice", "GET", "/v1/channels"), "messaging:t"))["unread_count"], 0);
  // The event log: the truncation has its seq, and the removed texts are not readable there either.
  const auto events = ok(a_, "alice", "GET", "/v1/channels/messaging/t/events?after_seq=0")["events"];
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[3]["type"], "channel.truncated");
  EXPECT_EQ(events[3]["seq"], 4);
  EXPECT_EQ(events[3]["cid"], "messaging:t");
  EXPECT_EQ(events[0]["type"], "message.new");
  EXPECT_EQ(events[0]["message"]["text"], "");
  // The channel goes on: the next message takes the next seq and counts as unread.
  auto next = call(a_, "bob", "POST", "/v1/channels/messaging/t/messages", R"({"text":"after"})");
  ASSERT_EQ(next.status, 201);
  EXPECT_EQ(next.json()["message"]["seq"], 5);
  EXPECT_EQ(ok(a_, "alice", "GET", "/v1/me")["total_unread_count"], 1);
  // A server may truncate too.
  EXPECT_EQ(ok(a_, "server", "POST", "/v1/channels/messaging/t/truncate", "{}")["removed_messages"], 1);
}

TEST_F(ChannelAdminE2E, HiddenChannelsLeaveTheListUntilANewMessage) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/h1", R"({"members":["bob"]})").status, 201);
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/h2", R"({"members":["bob"]})").status, 201);
  send(a_, "bob", "h1", "before the hide");

  const auto hidden = ok(a_, "alice", "POST", "/v1/channels/messaging/h1/hide");
  EXPECT_EQ(hidden["membership"]["hidden"], true);
  EXPECT_EQ(hidden["membership"]["user_id"], "alice");
  EXPECT_EQ(cids(ok(a_, "alice", "GET", "/v1/channels")), std::vector<std::string>{"messaging:h2"});
  EXPECT_EQ(ok(a_, "bob", "GET", "/v1/channels")["channels"].size(), 2u) << "hiding is per member";
  EXPECT_EQ(ok(a_, "server", "GET", "/v1/channels?member=alice")["channels"].size(), 1u);
  // Hidden is not gone: the channel itself still answers.
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/channels/messaging/h1").status, 200);

  EXPECT_EQ(ok(a_, "alice", "POST", "/v1/channels/messaging/h1/show")["membership"]["hidden"], false);
  EXPECT_EQ(ok(a_, "alice", "GET", "/v1/channels")["channels"].size(), 2u);

  // Hidden again; a change that is not a message does not bring it back, a new message does.
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/h1/hide", "{}").status, 200);
  ASSERT_EQ(call(a_, "alice", "PATCH", "/v1/channels/messaging/h1", R"({"set":{"name":"renamed"}})").status, 200);
  EXPECT_EQ(ok(a_, "alice", "GET", "/v1/channels")["channels"].size(), 1u);
  send(a_, "bob", "h1", "after the hide");
  const auto back = ok(a_, "alice", "GET", "/v1/channels");
  ASSERT_EQ(cids(back).front(), "messaging:h1");
  EXPECT_EQ(back["channels"][0]["membership"]["hidden"], false);
  EXPECT_EQ(back["channels"][0]["unread_count"], 2);

  // A server names the member; a user only themselves; non-members and other apps get nothing.
  EXPECT_EQ(ok(a_, "server", "POST", "/v1/channels/messaging/h2/hide", R"({"user_id":"bob"})")["membership"]["user_id"],
            "bob");
  EXPECT_EQ(cids(ok(a_, "bob", "GET", "/v1/channels")), std::vector<std::string>{"messaging:h1"});
  expect_error_envelope(call(a_, "server", "POST", "/v1/channels/messaging/h2/hide"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging/h2/hide", R"({"user_id":"bob"})"), 403,
                        "forbidden");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging/h2/hide", R"({"other":1})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "mallory", "POST", "/v1/channels/messaging/h2/hide"), 403, "forbidden");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging/none/show"), 404, "not_found");
  expect_error_envelope(call(b_, "server", "POST", "/v1/channels/messaging/h2/show", R"({"user_id":"bob"})"), 404,
                        "not_found");
  EXPECT_EQ(ok(a_, "bob", "GET", "/v1/channels")["channels"].size(), 1u) << "B's call changed nothing in A";
}

TEST_F(ChannelAdminE2E, MutedChannelsDoNotCountInMe) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/m1", R"({"members":["bob"]})").status, 201);
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/m2", R"({"members":["bob"]})").status, 201);
  send(a_, "bob", "m1", "a");
  send(a_, "bob", "m1", "b");
  send(a_, "bob", "m2", "c");
  auto me = ok(a_, "alice", "GET", "/v1/me");
  EXPECT_EQ(me["total_unread_count"], 3);
  EXPECT_EQ(me["unread_channels"], 2);

  const auto muted = ok(a_, "alice", "POST", "/v1/channels/messaging/m1/mute");
  EXPECT_EQ(muted["membership"]["muted"], true);
  EXPECT_EQ(muted["cid"], "messaging:m1");
  me = ok(a_, "alice", "GET", "/v1/me");
  EXPECT_EQ(me["total_unread_count"], 1);
  EXPECT_EQ(me["unread_channels"], 1);
  EXPECT_EQ(ok(a_, "bob", "GET", "/v1/me")["total_unread_count"], 0) << "bob sent them all";
  // The list still shows the channel, its own count, and that it is muted.
  const auto list = ok(a_, "alice", "GET", "/v1/channels");
  ASSERT_EQ(list["channels"].size(), 2u);
  EXPECT_EQ((*find_state(list, "messaging:m1"))["membership"]["muted"], true);
  EXPECT_EQ((*find_state(list, "messaging:m1"))["unread_count"], 2);
  EXPECT_EQ((*find_state(list, "messaging:m2"))["membership"]["muted"], false);
  // Muting is per member.
  send(a_, "alice", "m1", "d");
  EXPECT_EQ(ok(a_, "bob", "GET", "/v1/me")["total_unread_count"], 1);

  EXPECT_EQ(ok(a_, "alice", "POST", "/v1/channels/messaging/m1/unmute")["membership"]["muted"], false);
  EXPECT_EQ(ok(a_, "alice", "GET", "/v1/me")["total_unread_count"], 3);

  EXPECT_EQ(ok(a_, "server", "POST", "/v1/channels/messaging/m1/mute", R"({"user_id":"bob"})")["membership"]["muted"],
            true);
  EXPECT_EQ(ok(a_, "bob", "GET", "/v1/me")["total_unread_count"], 0);
  expect_error_envelope(call(a_, "mallory", "POST", "/v1/channels/messaging/m1/mute"), 403, "forbidden");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/channels/messaging/m1/unmute", R"({"user_id":"bob"})"), 403,
                        "forbidden");
  expect_error_envelope(call(a_, "server", "POST", "/v1/channels/messaging/m1/unmute"), 400, "invalid_request");
  expect_error_envelope(call(b_, "server", "POST", "/v1/channels/messaging/m1/unmute", R"({"user_id":"bob"})"), 404,
                        "not_found");
  EXPECT_EQ(ok(a_, "bob", "GET", "/v1/me")["total_unread_count"], 0) << "B's call changed nothing in A";
}

TEST_F(ChannelAdminE2E, TenantsNeverSeeEachOthersChannels) {
  const auto a_dm = ok(a_, "alice", "POST", "/v1/channels/messaging", R"({"members":["alice","bob"]})", 201);
  send(a_, "bob", a_dm["channel"]["id"].get<std::string>(), "for A only");
  // The same member set in B is B's own channel (same derived id, other tenant), created fresh.
  const auto b_dm = ok(b_, "alice", "POST", "/v1/channels/messaging", R"({"members":["alice","bob"]})", 201);
  EXPECT_EQ(b_dm["channel"]["id"], a_dm["channel"]["id"]);
  EXPECT_TRUE(b_dm["messages"].empty());
  // B's lists show B's channels only.
  const auto b_list = ok(b_, "server", "GET", "/v1/channels?member=alice");
  ASSERT_EQ(b_list["channels"].size(), 1u);
  EXPECT_EQ(b_list["channels"][0]["unread_count"], 0);
  EXPECT_TRUE(b_list["channels"][0]["messages"].empty());
  EXPECT_EQ(ok(a_, "alice", "GET", "/v1/channels")["channels"][0]["unread_count"], 1);
  // B deleting its copy leaves A's alone.
  ASSERT_EQ(call(b_, "server", "DELETE", "/v1/channels/messaging/" + b_dm["channel"]["id"].get<std::string>()).status,
            200);
  EXPECT_EQ(ok(a_, "alice", "GET", "/v1/channels")["channels"].size(), 1u);
  EXPECT_EQ(call(a_, "bob", "POST", "/v1/channels/messaging", R"({"members":["alice","bob"]})").status, 200);
  // A token of app B presented with app A's key is refused.
  expect_error_envelope(http_request(port_, "GET", "/v1/channels?member=alice", "",
                                     {{"X-Api-Key", a_.keys.api_key}, {"Authorization", "Bearer " + b_.server_token}}),
                        401, "invalid_signature");
}

TEST_F(ChannelAdminE2E, ListCarriesReactionCountsAndTheListersOwnReactions) {
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/r1", R"({"members":["bob","carol"]})").status, 201);
  ASSERT_EQ(call(a_, "alice", "PUT", "/v1/channels/messaging/r2", R"({"members":["bob"]})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/r1/messages", R"({"id":"r1m","text":"x"})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/r2/messages", R"({"id":"r2m","text":"y"})").status, 201);
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/r2/messages", R"({"id":"r2n","text":"z"})").status, 201);
  ok(a_, "bob", "POST", "/v1/messages/r1m/reactions", R"({"type":"like"})", 201);
  ok(a_, "carol", "POST", "/v1/messages/r1m/reactions", R"({"type":"like"})", 201);
  ok(a_, "bob", "POST", "/v1/messages/r2m/reactions", R"({"type":"love","score":4})", 201);
  ok(a_, "alice", "POST", "/v1/messages/r2m/reactions", R"({"type":"wow"})", 201);

  const auto as_bob = ok(a_, "bob", "GET", "/v1/channels");
  const auto* r1 = find_state(as_bob, "messaging:r1");
  const auto* r2 = find_state(as_bob, "messaging:r2");
  ASSERT_NE(r1, nullptr);
  ASSERT_NE(r2, nullptr);
  ASSERT_EQ((*r1)["messages"].size(), 1u);
  EXPECT_EQ((*r1)["messages"][0]["reaction_counts"], (nlohmann::json{{"like", 2}}));
  ASSERT_EQ((*r1)["messages"][0]["own_reactions"].size(), 1u);
  EXPECT_EQ((*r1)["messages"][0]["own_reactions"][0]["type"], "like");
  ASSERT_EQ((*r2)["messages"].size(), 2u);
  EXPECT_EQ((*r2)["messages"][0]["id"], "r2m") << "messages stay in their channel and order";
  EXPECT_EQ((*r2)["messages"][0]["reaction_counts"], (nlohmann::json{{"love", 1}, {"wow", 1}}));
  ASSERT_EQ((*r2)["messages"][0]["own_reactions"].size(), 1u);
  EXPECT_EQ((*r2)["messages"][0]["own_reactions"][0]["type"], "love");
  EXPECT_EQ((*r2)["messages"][0]["own_reactions"][0]["score"], 4);
  EXPECT_EQ((*r2)["messages"][1]["id"], "r2n");
  EXPECT_EQ((*r2)["messages"][1]["reaction_counts"], nlohmann::json::object());
  EXPECT_EQ((*r2)["messages"][1]["own_reactions"], nlohmann::json::array());
  // Each lister sees their own reactions only; a server listing member=bob sees bob's (as unread_count).
  const auto as_alice = ok(a_, "alice", "GET", "/v1/channels");
  const auto* r2_alice = find_state(as_alice, "messaging:r2");
  ASSERT_NE(r2_alice, nullptr);
  ASSERT_EQ((*r2_alice)["messages"][0]["own_reactions"].size(), 1u);
  EXPECT_EQ((*r2_alice)["messages"][0]["own_reactions"][0]["type"], "wow");
  EXPECT_EQ((*find_state(as_alice, "messaging:r1"))["messages"][0]["own_reactions"], nlohmann::json::array());
  const auto as_server = ok(a_, "server", "GET", "/v1/channels?member=bob");
  EXPECT_EQ((*find_state(as_server, "messaging:r1"))["messages"][0]["reaction_counts"], (nlohmann::json{{"like", 2}}));
  EXPECT_EQ((*find_state(as_server, "messaging:r2"))["messages"][0]["own_reactions"],
            (*r2)["messages"][0]["own_reactions"]);
  // The list shows what GET of one channel shows.
  const auto single = ok(a_, "bob", "GET", "/v1/channels/messaging/r2");
  EXPECT_EQ(single["messages"], (*r2)["messages"]);
}
