#include "parley/bus/local_bus.hpp"
#include "parley/bus/redis_bus.hpp"
#include "support/redis_process.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>

using namespace parley;
using namespace std::chrono_literals;

namespace {

// Collects what a bus delivers; waits with a deadline (never hangs a test).
class Inbox {
 public:
  bus::Bus::MessageHandler handler() {
    return [this](const std::string& channel, std::shared_ptr<const std::string> payload) {
      std::lock_guard lock(mutex_);
      messages_.emplace_back(channel, *payload);
      cv_.notify_all();
    };
  }
  bool wait_for_count(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
  }
  std::vector<std::pair<std::string, std::string>> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::string>> messages_;
};

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

// Publishes `payload` repeatedly until `inbox` has `n` messages (a fresh
// SUBSCRIBE is asynchronous, so the first publishes may precede it).
void publish_until_received(bus::Bus& from, Inbox& inbox, const std::string& channel, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    from.publish(channel, "probe");
    if (inbox.wait_for_count(n, 100ms)) return;
  }
  FAIL() << "nothing arrived on " << channel;
}

}  // namespace

TEST(LocalBus, DeliversOnlySubscribedChannels) {
  bus::LocalBus b;
  Inbox inbox;
  b.set_message_handler(inbox.handler());
  b.subscribe("chat:a");
  b.publish("chat:b", "no");
  b.publish("chat:a", "yes");
  b.unsubscribe("chat:a");
  b.publish("chat:a", "no again");
  const auto got = inbox.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, "chat:a");
  EXPECT_EQ(got[0].second, "yes");
}

TEST(RedisBus, CarriesMessagesBetweenTwoBusInstances) {
  test::RedisProcess redis;
  redis.start();
  bus::RedisBus a(bus::parse_redis_url(redis.url()), 1000);
  bus::RedisBus b(bus::parse_redis_url(redis.url()), 1000);
  Inbox inbox_b;
  b.set_message_handler(inbox_b.handler());
  ASSERT_TRUE(wait_until([&] { return a.connected() && b.connected(); }, 5s));
  b.subscribe("chat:room");
  publish_until_received(a, inbox_b, "chat:room", 1);
  const std::size_t before = inbox_b.messages().size();

  for (int i = 0; i < 100; ++i) a.publish("chat:room", "m" + std::to_string(i));
  a.publish("chat:other", "not subscribed");
  ASSERT_TRUE(inbox_b.wait_for_count(before + 100, 5s));
  const auto got = inbox_b.messages();
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(got[before + static_cast<std::size_t>(i)].second, "m" + std::to_string(i)) << "in order";
  }
  for (const auto& [channel, payload] : got) EXPECT_EQ(channel, "chat:room");

  b.unsubscribe("chat:room");
  // After the unsubscribe takes effect nothing more arrives: wait for Redis to report no subscribers.
  ASSERT_TRUE(wait_until([&] { return redis.numsub("chat:room") == 0; }, 5s));
  a.publish("chat:room", "after unsubscribe");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(inbox_b.messages().size(), got.size());
  EXPECT_GE(a.stats().published, 101u);
}

TEST(RedisBus, ReconnectsAndResubscribesAfterRedisRestarts) {
  test::RedisProcess redis;
  redis.start();
  bus::RedisBus a(bus::parse_redis_url(redis.url()), 1000);
  bus::RedisBus b(bus::parse_redis_url(redis.url()), 1000);
  Inbox inbox;
  std::atomic<int> downs{0}, ups{0};
  b.set_state_handler([&](bool up) { ++(up ? ups : downs); });
  b.set_message_handler(inbox.handler());
  b.subscribe("chat:x");
  ASSERT_TRUE(wait_until([&] { return a.connected() && b.connected(); }, 5s));
  publish_until_received(a, inbox, "chat:x", 1);

  // The first "up" may fire before the handler is set; count from here on.
  const int ups_before_restart = ups.load();
  redis.stop();
  ASSERT_TRUE(wait_until([&] { return !a.connected() && !b.connected(); }, 5s)) << "both notice Redis is gone";
  EXPECT_TRUE(wait_until([&] { return downs.load() >= 1; }, 5s)) << "the state handler hears the loss";
  redis.start();  // same port
  ASSERT_TRUE(wait_until([&] { return a.connected() && b.connected(); }, 15s)) << "both reconnect";
  // connected() turns true just before the handler runs: wait for the handler, don't sample it.
  EXPECT_TRUE(wait_until([&] { return ups.load() > ups_before_restart; }, 5s)) << "the state handler hears the reconnect";
  // b resubscribed on its own: a message published after the restart arrives.
  ASSERT_TRUE(wait_until([&] { return redis.numsub("chat:x") == 1; }, 5s));
  const auto before = inbox.messages().size();
  a.publish("chat:x", "after-restart");
  ASSERT_TRUE(inbox.wait_for_count(before + 1, 5s))
      << "published=" << a.stats().published << " dropped=" << a.stats().dropped
      << " received=" << b.stats().received << " before=" << before;
  EXPECT_EQ(inbox.messages().back().second, "after-restart");
  EXPECT_GE(a.stats().reconnects, 1u);
}

TEST(RedisBus, PublishQueueIsBoundedWhileRedisIsDown) {
  // Nothing listens on this port: the bus stays disconnected and its queue fills.
  bus::RedisBus a(bus::parse_redis_url("redis://127.0.0.1:1"), 10);
  int accepted = 0;
  for (int i = 0; i < 50; ++i) accepted += a.publish("c", "x") ? 1 : 0;
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(a.stats().dropped, 40u);
  EXPECT_FALSE(a.connected());
}
