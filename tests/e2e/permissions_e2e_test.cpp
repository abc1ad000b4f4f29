// The permission matrix of the built-in `messaging` channel type (src/chat/channel_policy.cpp)
// against the real binary and a real PostgreSQL: for each kind of caller, each action is allowed
// or denied exactly as the built-in grants say. The expectations below are written out by hand
// from those grants, so a change of the policy (or of an endpoint's action) makes this fail.
#include "e2e_fixture.hpp"

using namespace parley::test;
using nlohmann::json;

namespace {

enum Action {
  kRead,
  kSend,
  kEditOwn,
  kEditOther,
  kDeleteOther,
  kUpdateChannel,
  kUpdateMembers,
  kAddReaction,
  kDeleteChannel,
  kActionCount
};

const char* const kActionNames[kActionCount] = {"read channel",   "send",           "edit own message",
                                                "edit other's",   "delete other's", "update channel",
                                                "update members", "add reaction",   "delete channel"};

struct Row {
  std::string who;  // a user id or "server"
  bool allowed[kActionCount];
};

// messaging grants: channel_member = read, send, own edit/delete, reactions (no moderation);
// channel_moderator adds any-message edit/delete and update_members, not update_channel or
// delete_channel; channel_owner and app admin have everything; "user" (non-member) nothing; the
// server token is never refused. Edit own for the server: it never authors (n/a, not checked).
const Row kMatrix[] = {
    //         read  send  own   other del   upd   memb  react delch
    {"mem", {true, true, true, false, false, false, false, true, false}},
    {"out", {false, false, false, false, false, false, false, false, false}},
    {"mod", {true, true, true, true, true, false, true, true, false}},
    {"own", {true, true, true, true, true, true, true, true, true}},
    {"adm", {true, true, true, true, true, true, true, true, true}},
    {"server", {true, true, true, true, true, true, true, true, true}},
};

}  // namespace

class PermissionsE2E : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    a_ = make_test_app(port_, db_.url(), "app-a", {"mem", "out", "mod", "own", "adm", "zed"});
    // An app admin: the role comes from the user row, looked up on every request.
    ASSERT_EQ(call(a_, "server", "POST", "/v1/users", R"({"users":[{"id":"adm","role":"admin"}]})").status, 201);
  }

  // A fresh channel per caller: owner `own`, moderator `mod`, members `mem` and `zed`; messages
  // by `zed` (other's) and, for users, one by the caller (sent by the server on their behalf).
  void make_channel(const std::string& ch, const std::string& who) {
    ASSERT_EQ(call(a_, "server", "PUT", "/v1/channels/messaging/" + ch, "{}").status, 201);
    auto roles = call(a_, "server", "POST", "/v1/channels/messaging/" + ch + "/members",
                      R"({"add":["own","mod","mem","zed"],"roles":{"own":"owner","mod":"moderator"}})");
    ASSERT_EQ(roles.status, 200) << roles.body;
    for (const char* id : {"other", "other2"}) {
      send_as("zed", ch, ch + "-" + id);
    }
    if (who != "server") send_as(who, ch, ch + "-mine");
  }

  void send_as(const std::string& user, const std::string& ch, const std::string& id) {
    const json body = {{"id", id}, {"text", "by " + user}, {"user_id", user}};
    auto r = call(a_, "server", "POST", "/v1/channels/messaging/" + ch + "/messages", body.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }

  TestApp a_;
};

TEST_F(PermissionsE2E, MessagingGrantsMatchTheBuiltInPolicyForEveryKindOfCaller) {
  for (const auto& row : kMatrix) {
    const std::string& who = row.who;
    const std::string ch = "perm-" + who;
    const std::string path = "/v1/channels/messaging/" + ch;
    make_channel(ch, who);
    if (HasFatalFailure()) return;
    const bool server = who == "server";
    // The server names the acting user where the API asks for one.
    const std::string send_body = server ? R"({"text":"hi","user_id":"zed"})" : R"({"text":"hi"})";
    const std::string react_body = server ? R"({"type":"like","user_id":"zed"})" : R"({"type":"like"})";

    struct Check {
      Action action;
      std::string method, target, body;
      int ok_status;
    };
    std::vector<Check> checks = {
        {kRead, "GET", path, "", 200},
        {kSend, "POST", path + "/messages", send_body, 201},
        {kEditOther, "PATCH", "/v1/messages/" + ch + "-other", R"({"set":{"text":"edited by another"}})", 200},
        {kDeleteOther, "DELETE", "/v1/messages/" + ch + "-other2", "", 200},
        {kUpdateChannel, "PATCH", path, R"({"set":{"name":"renamed"}})", 200},
        {kUpdateMembers, "POST", path + "/members", R"({"add":["newcomer"]})", 200},
        {kAddReaction, "POST", "/v1/messages/" + ch + "-other/reactions", react_body, 201},
        {kDeleteChannel, "DELETE", path, "", 200},  // last: nothing works on a deleted channel
    };
    if (!server) {
      checks.insert(checks.begin() + 2,
                    Check{kEditOwn, "PATCH", "/v1/messages/" + ch + "-mine", R"({"set":{"text":"edited by me"}})", 200});
    }
    for (const auto& c : checks) {
      const auto seq_before = call(a_, "server", "GET", path).json()["channel"]["last_seq"].get<int>();
      auto r = call(a_, who, c.method, c.target, c.body);
      const std::string what = who + " / " + kActionNames[c.action] + ": " + c.method + " " + c.target;
      if (row.allowed[c.action]) {
        EXPECT_EQ(r.status, c.ok_status) << what << " should be allowed: " << r.body;
      } else {
        expect_error_envelope(r, 403, "forbidden");
        EXPECT_EQ(r.status, 403) << what << " should be denied: " << r.body;
        // A refusal changes nothing: no seq was taken.
        EXPECT_EQ(call(a_, "server", "GET", path).json()["channel"]["last_seq"], seq_before) << what;
      }
    }
  }
}

TEST_F(PermissionsE2E, AnAdminOfAnotherAppHasNoRightsHere) {
  // The admin role is per app: app B's admin with the same id is a stranger in app A.
  TestApp b = make_test_app(port_, db_.url(), "app-b", {"adm"});
  ASSERT_EQ(http_request(port_, "POST", "/v1/users", R"({"users":[{"id":"adm","role":"admin"}]})", b.as("server")).status,
            201);
  ASSERT_EQ(call(a_, "server", "PUT", "/v1/channels/messaging/a-only", R"({"members":["zed"]})").status, 201);
  auto from_b = http_request(port_, "GET", "/v1/channels/messaging/a-only", "", b.as("adm"));
  expect_error_envelope(from_b, 404, "not_found");
  // And app A's admin loses the rights when the role is taken away.
  EXPECT_EQ(call(a_, "adm", "GET", "/v1/channels/messaging/a-only").status, 200);
  ASSERT_EQ(call(a_, "server", "PATCH", "/v1/users/adm", R"({"set":{"role":"user"}})").status, 200);
  expect_error_envelope(call(a_, "adm", "GET", "/v1/channels/messaging/a-only"), 403, "forbidden");
}
