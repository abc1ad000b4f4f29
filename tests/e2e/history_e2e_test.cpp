// Group commit of sends, POST /v1/sync and event retention (410 gone), against
// the real binary and a real PostgreSQL.
#include "e2e_fixture.hpp"

#include <pqxx/pqxx>

#include <atomic>
#include <set>
#include <thread>

using namespace parley::test;


class HistoryE2E : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra = {}) {
    port_ = free_port();
    extra.insert(extra.begin(), "--migrate");
    server_ = std::make_unique<ParleyProcess>(ParleyProcess::serve_args(port_, db_.url(), std::nullopt, extra));
    server_->start();
    server_->wait_healthy();
    a_ = make_test_app(port_, db_.url(), "app-a");
    b_ = make_test_app(port_, db_.url(), "app-b");
  }

  HttpResponse call(const TestApp& t, const std::string& who, const std::string& method, const std::string& target,
                    const std::string& body = "") {
    return http_request(port_, method, target, body, t.as(who));
  }

  void make_channel(const TestApp& t, const std::string& cid, const std::string& members) {
    const auto slash = cid.find(':');
    auto r = call(t, "alice", "PUT", "/v1/channels/" + cid.substr(0, slash) + "/" + cid.substr(slash + 1),
                  R"({"members":)" + members + "}");
    ASSERT_EQ(r.status, 201) << r.body;
  }

  ScratchDatabase db_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ParleyProcess> server_;
  TestApp a_, b_;
};

// Many concurrent sends share transactions; every acknowledged send is stored once, each channel's
// seqs stay gapless, and a send refused inside a shared transaction takes no seq and harms no other.
TEST_F(HistoryE2E, ConcurrentSendsShareCommitsAndStayGapless) {
  start({"--db-group-commit-max", "32", "--db-group-commit-batches", "1"});
  const std::vector<std::string> channels = {"g1", "g2", "g3"};
  for (const auto& ch : channels) make_channel(a_, "messaging:" + ch, R"(["alice","bob"])");
  constexpr int kThreads = 12;
  constexpr int kPerThread = 15;
  std::atomic<int> created{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpConnection conn(port_);
      for (int i = 0; i < kPerThread; ++i) {
        const auto& ch = channels[static_cast<std::size_t>((t + i) % 3)];
        // Every fifth send names a parent that does not exist: refused in the database (400), inside a batch.
        const bool bad = i % 5 == 4;
        nlohmann::json body = {{"id", "m-" + std::to_string(t) + "-" + std::to_string(i)},
                               {"text", "hello " + std::to_string(i)}};
        if (bad) body["parent_id"] = "no-such-parent";
        const auto r = conn.request("POST", "/v1/channels/messaging/" + ch + "/messages", body.dump(),
                                    a_.as(t % 2 ? "alice" : "bob"));
        if (r.status == 201 && !bad) {
          ++created;
        } else if (r.status == 400 && bad) {
          ++refused;
        } else {
          ++other;
          ADD_FAILURE() << r.status << " " << r.body;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(created.load(), kThreads * kPerThread * 4 / 5);
  EXPECT_EQ(refused.load(), kThreads * kPerThread / 5);

  int stored = 0;
  for (const auto& ch : channels) {
    auto r = call(a_, "alice", "GET", "/v1/channels/messaging/" + ch + "/messages?after_seq=0&limit=200");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto page = r.json();
    std::int64_t expect = 1;
    for (const auto& m : page["messages"]) {
      EXPECT_EQ(m["seq"].get<std::int64_t>(), expect++) << "seqs of " << ch << " are gapless";
      ++stored;
    }
    const auto state = call(a_, "alice", "GET", "/v1/channels/messaging/" + ch).json();
    EXPECT_EQ(state["channel"]["last_seq"].get<std::int64_t>(), expect - 1) << "refused sends took no seq";
  }
  EXPECT_EQ(stored, created.load());
  const double transactions = metric_of(port_, "parley_send_transactions_total");
  const double sends = metric_of(port_, "parley_sends_committed_total");
  EXPECT_EQ(sends, created.load() + refused.load()) << "every send went through the group commit";
  EXPECT_GT(transactions, 0);
  EXPECT_LT(transactions, sends) << "with 12 concurrent writers and one send transaction at a time, sends share commits";

  // A retry of an acknowledged send (same id, same content) is answered from the stored message.
  auto again = call(a_, "bob", "POST", "/v1/channels/messaging/g1/messages", R"({"id":"m-0-0","text":"hello 0"})");
  EXPECT_EQ(again.status, 200) << again.body;
}

// When the statement of a whole batch fails (here: a channel row locked by a transaction outside Parley,
// past the statement timeout), each of its sends is retried alone: the blocked one fails with 503 and
// stores nothing, the others of the batch are stored and acknowledged.
TEST_F(HistoryE2E, AFailedBatchRetriesEachSendAlone) {
  start({"--db-group-commit-batches", "1", "--db-statement-timeout-ms", "400"});
  for (const char* ch : {"lk-w", "lk-x", "lk-y"}) make_channel(a_, std::string("messaging:") + ch, R"(["alice"])");
  pqxx::connection outside(db_.url());
  pqxx::work lock(outside);
  lock.exec("SELECT pk FROM channels WHERE id IN ('lk-w', 'lk-x') FOR UPDATE");

  // The only send runner is held by a batch of W (locked) for the statement timeout; X (locked) and Y
  // (free) queue meanwhile and become the next batch together.
  std::thread first([&] {
    const auto r = call(a_, "alice", "POST", "/v1/channels/messaging/lk-w/messages", R"({"id":"w1","text":"w"})");
    EXPECT_EQ(r.status, 503) << r.body;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  HttpResponse x, y;
  std::thread tx([&] { x = call(a_, "alice", "POST", "/v1/channels/messaging/lk-x/messages", R"({"id":"x1","text":"x"})"); });
  std::thread ty([&] { y = call(a_, "alice", "POST", "/v1/channels/messaging/lk-y/messages", R"({"id":"y1","text":"y"})"); });
  first.join();
  tx.join();
  ty.join();
  lock.abort();

  expect_error_envelope(x, 503, "unavailable");
  EXPECT_EQ(y.status, 201) << "the free channel's send is stored although its batch failed: " << y.body;
  EXPECT_GE(metric_of(port_, R"(parley_db_statements_total{statement="send_batch"})"), 4)
      << "W alone, X and Y together, then X and Y each alone";
  // Nothing of the failed sends was stored or took a seq; the retry of X now succeeds with seq 1.
  auto page = call(a_, "alice", "GET", "/v1/channels/messaging/lk-x/messages");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_TRUE(page.json()["messages"].empty()) << page.body;
  auto retry = call(a_, "alice", "POST", "/v1/channels/messaging/lk-x/messages", R"({"id":"x1","text":"x"})");
  ASSERT_EQ(retry.status, 201) << retry.body;
  EXPECT_EQ(retry.json()["message"]["seq"], 1);
  EXPECT_EQ(call(a_, "alice", "GET", "/v1/channels/messaging/lk-y/messages").json()["messages"].size(), 1u);
}

TEST_F(HistoryE2E, OneTransactionPerSendWhenGroupCommitIsOff) {
  start({"--db-group-commit-max", "1"});
  make_channel(a_, "messaging:solo", R"(["alice"])");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      HttpConnection conn(port_);
      for (int i = 0; i < 5; ++i) {
        const auto r = conn.request("POST", "/v1/channels/messaging/solo/messages",
                                    R"({"text":"x)" + std::to_string(t * 10 + i) + R"("})", a_.as("alice"));
        EXPECT_EQ(r.status, 201) << r.body;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(metric_of(port_, "parley_sends_committed_total"), 20);
  EXPECT_EQ(metric_of(port_, "parley_send_transactions_total"), 20);
}

TEST_F(HistoryE2E, SyncReturnsEachChannelsEventsAndPerChannelErrors) {
  start();
  make_channel(a_, "messaging:s1", R"(["alice","bob"])");
  make_channel(a_, "messaging:s2", R"(["alice"])");
  make_channel(b_, "messaging:theirs", R"(["alice"])");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(call(a_, "bob", "POST", "/v1/channels/messaging/s1/messages", R"({"text":"s1"})").status, 201);
  }
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/s2/messages", R"({"text":"s2"})").status, 201);

  auto r = call(a_, "bob", "POST", "/v1/sync",
                R"({"channels":{"messaging:s1":1,"messaging:s2":0,"messaging:theirs":0,"messaging:nope":0}})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = r.json();
  const auto& s1 = j["channels"]["messaging:s1"];
  ASSERT_EQ(s1["events"].size(), 2u) << r.body;
  EXPECT_EQ(s1["events"][0]["seq"], 2);
  EXPECT_EQ(s1["events"][1]["seq"], 3);
  EXPECT_EQ(s1["events"][0]["type"], "message.new");
  EXPECT_EQ(s1["has_more"], false);
  // bob is not a member of s2; app B's channel does not exist for app A.
  EXPECT_EQ(j["channels"]["messaging:s2"]["error"]["status"], 403) << r.body;
  EXPECT_EQ(j["channels"]["messaging:theirs"]["error"]["code"], "not_found") << r.body;
  EXPECT_EQ(j["channels"]["messaging:nope"]["error"]["code"], "not_found") << r.body;

  // limit pages every channel.
  auto paged = call(a_, "alice", "POST", "/v1/sync", R"({"channels":{"messaging:s1":0},"limit":2})");
  ASSERT_EQ(paged.status, 200) << paged.body;
  EXPECT_EQ(paged.json()["channels"]["messaging:s1"]["events"].size(), 2u);
  EXPECT_EQ(paged.json()["channels"]["messaging:s1"]["has_more"], true);

  // Bad input.
  expect_error_envelope(call(a_, "alice", "POST", "/v1/sync", R"({})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/sync", R"({"channels":{}})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/sync", R"({"channels":{"messaging:s1":-1}})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/sync", R"({"channels":{"messaging:s1":"3"}})"), 400,
                        "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/sync", R"({"channels":{"nocolon":0}})"), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/sync", R"({"channels":{"messaging:s1":0},"limit":1001})"), 400,
                        "invalid_request");
  nlohmann::json many = {{"channels", nlohmann::json::object()}};
  for (int i = 0; i < 101; ++i) many["channels"]["messaging:c" + std::to_string(i)] = 0;
  expect_error_envelope(call(a_, "alice", "POST", "/v1/sync", many.dump()), 400, "invalid_request");
  expect_error_envelope(call(a_, "alice", "POST", "/v1/sync", "not json"), 400, "invalid_json");
  expect_error_envelope(http_request(port_, "POST", "/v1/sync", R"({"channels":{"messaging:s1":0}})"), 401,
                        "unauthenticated");
}

TEST_F(HistoryE2E, EventsPastTheRetentionAreGone) {
  start({"--event-retention-s", "2", "--event-prune-interval-ms", "200"});
  make_channel(a_, "messaging:old", R"(["alice"])");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/old/messages", R"({"text":"old"})").status, 201);
  }
  ASSERT_EQ(call(a_, "alice", "GET", "/v1/channels/messaging/old/events?after_seq=0").status, 200);
  // Once pruned, a position before the retained events answers 410 gone, with the oldest retained seq.
  HttpResponse gone;
  ASSERT_TRUE(eventually(
      [&] {
        gone = call(a_, "alice", "GET", "/v1/channels/messaging/old/events?after_seq=0");
        return gone.status == 410 && gone.json()["error"]["details"]["oldest_seq"] == 4;
      },
      15s))
      << gone.status << " " << gone.body;
  expect_error_envelope(gone, 410, "gone");
  // Pruned oldest first: seq 1 alone may go before 2 and 3 (their created_at differ); then nothing is retained.
  // The newest position still works: nothing after it is missing.
  auto at_end = call(a_, "alice", "GET", "/v1/channels/messaging/old/events?after_seq=3");
  ASSERT_EQ(at_end.status, 200) << at_end.body;
  EXPECT_TRUE(at_end.json()["events"].empty());
  // A new event is retained and readable from the newest position; older positions stay gone.
  ASSERT_EQ(call(a_, "alice", "POST", "/v1/channels/messaging/old/messages", R"({"text":"new"})").status, 201);
  auto fresh = call(a_, "alice", "GET", "/v1/channels/messaging/old/events?after_seq=3");
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  ASSERT_EQ(fresh.json()["events"].size(), 1u) << fresh.body;
  EXPECT_EQ(fresh.json()["events"][0]["seq"], 4);
  expect_error_envelope(call(a_, "alice", "GET", "/v1/channels/messaging/old/events?after_seq=2"), 410, "gone");
  // Sync reports it per channel.
  auto sync = call(a_, "alice", "POST", "/v1/sync", R"({"channels":{"messaging:old":1}})");
  ASSERT_EQ(sync.status, 200) << sync.body;
  EXPECT_EQ(sync.json()["channels"]["messaging:old"]["error"]["code"], "gone") << sync.body;
  // Message history is not an event log: the messages themselves are still there.
  auto history = call(a_, "alice", "GET", "/v1/channels/messaging/old/messages");
  ASSERT_EQ(history.status, 200);
  EXPECT_EQ(history.json()["messages"].size(), 4u);
}
