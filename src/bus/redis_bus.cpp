#include "parley/bus/redis_bus.hpp"

#include "parley/obs/log.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <charconv>
#include <stdexcept>
#include <vector>

namespace parley::bus {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kBackoffStart{100};
constexpr std::chrono::milliseconds kBackoffMax{5000};
constexpr std::chrono::milliseconds kPingEvery{1000};
constexpr std::chrono::milliseconds kDeadAfter{3000};
constexpr std::size_t kPublishBatch = 256;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

std::string_view reply_str(const redisReply* r) {
  if (r == nullptr || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS)) return {};
  return {r->str, r->len};
}

}  // namespace

RedisEndpoint parse_redis_url(const std::string& url) {
  const std::string prefix = "redis://";
  if (url.rfind(prefix, 0) != 0) throw std::invalid_argument("redis URL must start with redis://");
  std::string rest = url.substr(prefix.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  RedisEndpoint ep;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    ep.password = colon == std::string::npos ? userinfo : userinfo.substr(colon + 1);
  }
  std::string host = rest;
  if (auto colon = rest.rfind(':'); colon != std::string::npos && rest.find(']') == std::string::npos) {
    host = rest.substr(0, colon);
    const std::string port = rest.substr(colon + 1);
    int p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || ptr != port.data() + port.size() || p <= 0 || p > 65535) {
      throw std::invalid_argument("redis URL has an invalid port");
    }
    ep.port = p;
  }
  if (!host.empty()) ep.host = host;
  return ep;
}

RedisBus::RedisBus(RedisEndpoint endpoint, std::size_t publish_queue_limit)
    : endpoint_(std::move(endpoint)), queue_limit_(publish_queue_limit) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error("eventfd failed");
  publisher_ = std::thread([this] { publisher_loop(); });
  subscriber_ = std::thread([this] { subscriber_loop(); });
}

RedisBus::~RedisBus() {
  stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void RedisBus::stop() {
  if (stopping_.exchange(true)) {
    if (publisher_.joinable()) publisher_.join();
    if (subscriber_.joinable()) subscriber_.join();
    return;
  }
  {
    std::lock_guard lock(stop_mutex_);
  }
  stop_cv_.notify_all();
  {
    std::lock_guard lock(pub_mutex_);
  }
  pub_cv_.notify_all();
  wake_subscriber();
  if (publisher_.joinable()) publisher_.join();
  if (subscriber_.joinable()) subscriber_.join();
}

void RedisBus::set_message_handler(MessageHandler handler) {
  std::lock_guard lock(handler_mutex_);
  message_handler_ = std::move(handler);
}

void RedisBus::set_state_handler(StateHandler handler) {
  std::lock_guard lock(handler_mutex_);
  state_handler_ = std::move(handler);
}

bool RedisBus::connected() const { return pub_up_.load() && sub_up_.load(); }

BusStats RedisBus::stats() const {
  BusStats s;
  s.connected = connected();
  s.published = published_.load();
  s.received = received_.load();
  s.dropped = dropped_.load();
  s.reconnects = reconnects_.load();
  std::lock_guard lock(const_cast<std::mutex&>(sub_mutex_));
  s.subscriptions = wanted_.size();
  return s;
}

bool RedisBus::publish(const std::string& channel, std::string payload) {
  {
    std::lock_guard lock(pub_mutex_);
    if (stopping_ || pub_queue_.size() >= queue_limit_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    pub_queue_.emplace_back(channel, std::move(payload));
  }
  pub_cv_.notify_one();
  return true;
}

void RedisBus::subscribe(const std::string& channel) {
  {
    std::lock_guard lock(sub_mutex_);
    if (!wanted_.insert(channel).second) return;
    note_changed(channel);
  }
  wake_subscriber();
}

void RedisBus::unsubscribe(const std::string& channel) {
  {
    std::lock_guard lock(sub_mutex_);
    if (wanted_.erase(channel) == 0) return;
    note_changed(channel);
  }
  wake_subscriber();
}

void RedisBus::note_changed(const std::string& channel) {
  if (resync_) return;
  if (changed_.size() >= kMaxChanged) {
    changed_.clear();
    resync_ = true;
    return;
  }
  changed_.push_back(channel);
}

void RedisBus::wake_subscriber() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void RedisBus::set_link_state(std::atomic<bool>& link, bool up) {
  // The publisher and subscriber threads both change links: one transition at a time, so each
  // change of connected() is heard exactly once and in order.
  std::lock_guard transition(transition_mutex_);
  const bool before = connected();
  link.store(up);
  const bool after = connected();
  if (before == after) return;
  obs::info(after ? "redis connected" : "redis disconnected", {{"redis", endpoint_.host + ":" + std::to_string(endpoint_.port)}});
  StateHandler handler;
  {
    std::lock_guard lock(handler_mutex_);
    handler = state_handler_;
  }
  if (handler) handler(after);
}

void RedisBus::sleep_backoff(std::chrono::milliseconds& backoff) {
  std::unique_lock lock(stop_mutex_);
  stop_cv_.wait_for(lock, backoff, [this] { return stopping_.load(); });
  backoff = std::min(backoff * 2, kBackoffMax);
}

redisContext* connect_redis(const RedisEndpoint& endpoint) {
  const timeval connect_timeout{2, 0};
  redisContext* ctx = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, connect_timeout);
  if (ctx == nullptr) return nullptr;
  if (ctx->err != 0) {
    redisFree(ctx);
    return nullptr;
  }
  const timeval io_timeout{2, 0};
  redisSetTimeout(ctx, io_timeout);
  redisEnableKeepAlive(ctx);
  if (!endpoint.password.empty()) {
    ReplyPtr r(static_cast<redisReply*>(redisCommand(ctx, "AUTH %b", endpoint.password.data(), endpoint.password.size())));
    if (!r || r->type == REDIS_REPLY_ERROR) {
      obs::warn("redis AUTH failed");
      redisFree(ctx);
      return nullptr;
    }
  }
  return ctx;
}

// A batch whose replies did not all arrive is kept and sent again on the next
// connection (at least once: a restarted Redis must not eat the first events;
// receivers dedupe by seq). Only a stop drops it.
// One connection attempt; on failure sleeps the backoff and returns null.
redisContext* RedisBus::reconnect(std::chrono::milliseconds& backoff, bool& had_connection) {
  redisContext* ctx = connect_redis(endpoint_);
  if (ctx == nullptr) {
    sleep_backoff(backoff);
    return nullptr;
  }
  if (had_connection) reconnects_.fetch_add(1, std::memory_order_relaxed);
  had_connection = true;
  backoff = kBackoffStart;
  return ctx;
}

void RedisBus::publisher_loop() {
  auto backoff = kBackoffStart;
  bool had_connection = false;
  std::vector<std::pair<std::string, std::string>> batch;
  while (!stopping_) {
    redisContext* ctx = reconnect(backoff, had_connection);
    if (ctx == nullptr) continue;
    set_link_state(pub_up_, true);
    bool ok = true;
    while (ok && !stopping_) {
      if (batch.empty()) {
        std::unique_lock lock(pub_mutex_);
        pub_cv_.wait_for(lock, kPingEvery, [this] { return stopping_ || !pub_queue_.empty(); });
        while (!pub_queue_.empty() && batch.size() < kPublishBatch) {
          batch.push_back(std::move(pub_queue_.front()));
          pub_queue_.pop_front();
        }
      }
      if (stopping_) break;
      if (batch.empty()) {
        ReplyPtr r(static_cast<redisReply*>(redisCommand(ctx, "PING")));
        ok = r != nullptr;
        continue;
      }
      for (const auto& [channel, payload] : batch) {
        redisAppendCommand(ctx, "PUBLISH %b %b", channel.data(), channel.size(), payload.data(), payload.size());
      }
      std::size_t done = 0;
      for (; done < batch.size(); ++done) {
        void* raw = nullptr;
        if (redisGetReply(ctx, &raw) != REDIS_OK) {
          ok = false;
          break;
        }
        freeReplyObject(raw);
        published_.fetch_add(1, std::memory_order_relaxed);
      }
      batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(done));
    }
    redisFree(ctx);
    set_link_state(pub_up_, false);
  }
  dropped_.fetch_add(batch.size(), std::memory_order_relaxed);
}

void RedisBus::subscriber_loop() {
  auto backoff = kBackoffStart;
  bool had_connection = false;
  while (!stopping_) {
    redisContext* ctx = reconnect(backoff, had_connection);
    if (ctx == nullptr) continue;
    set_link_state(sub_up_, true);
    run_subscriber_session(ctx);
    redisFree(ctx);
    set_link_state(sub_up_, false);
  }
}

// Runs until the connection fails or the bus stops. Returns false on failure.
bool RedisBus::run_subscriber_session(redisContext* ctx) {
  std::set<std::string> active;
  bool full_pass = true;  // a new connection subscribes to everything wanted
  auto last_reply = Clock::now();
  auto last_ping = Clock::now();
  auto flush = [ctx] {
    int done = 0;
    while (done == 0) {
      if (redisBufferWrite(ctx, &done) != REDIS_OK) return false;
    }
    return true;
  };
  while (!stopping_) {
    // Reconcile the wanted channels with the subscribed ones.
    std::vector<std::string> to_sub, to_unsub;
    {
      std::lock_guard lock(sub_mutex_);
      if (full_pass || resync_) {
        for (const auto& c : wanted_) {
          if (active.count(c) == 0) to_sub.push_back(c);
        }
        for (const auto& c : active) {
          if (wanted_.count(c) == 0) to_unsub.push_back(c);
        }
        full_pass = false;
        resync_ = false;
      } else {
        // Only what changed; a channel listed twice is decided once, by its wanted state now.
        std::set<std::string> seen;
        for (const auto& c : changed_) {
          if (!seen.insert(c).second) continue;
          const bool want = wanted_.count(c) != 0;
          const bool have = active.count(c) != 0;
          if (want && !have) to_sub.push_back(c);
          if (!want && have) to_unsub.push_back(c);
        }
      }
      changed_.clear();
    }
    auto append = [ctx](const char* cmd, const std::vector<std::string>& names) {
      std::vector<const char*> argv{cmd};
      std::vector<std::size_t> lens{std::strlen(cmd)};
      for (const auto& n : names) {
        argv.push_back(n.data());
        lens.push_back(n.size());
      }
      redisAppendCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lens.data());
    };
    bool wrote = false;
    if (!to_sub.empty()) {
      append("SUBSCRIBE", to_sub);
      active.insert(to_sub.begin(), to_sub.end());
      wrote = true;
    }
    if (!to_unsub.empty()) {
      append("UNSUBSCRIBE", to_unsub);
      for (const auto& c : to_unsub) active.erase(c);
      wrote = true;
    }
    const auto now = Clock::now();
    if (now - last_ping >= kPingEvery) {
      redisAppendCommand(ctx, "PING");
      last_ping = now;
      wrote = true;
    }
    if (wrote && !flush()) return false;
    if (now - last_reply > kDeadAfter) {
      obs::warn("redis subscriber connection timed out");
      return false;
    }

    pollfd fds[2] = {{ctx->fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int n = ::poll(fds, 2, 250);
    if (n < 0 && errno != EINTR) return false;
    if (fds[1].revents & POLLIN) {
      std::uint64_t v = 0;
      [[maybe_unused]] auto r = ::read(wake_fd_, &v, sizeof v);
    }
    if (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) {
      if (redisBufferRead(ctx) != REDIS_OK) return false;
      for (;;) {
        void* raw = nullptr;
        if (redisGetReplyFromReader(ctx, &raw) != REDIS_OK) return false;
        if (raw == nullptr) break;
        ReplyPtr reply(static_cast<redisReply*>(raw));
        last_reply = Clock::now();
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) continue;
        if (reply_str(reply->element[0]) != "message") continue;
        std::string channel(reply_str(reply->element[1]));
        auto payload = std::make_shared<const std::string>(reply_str(reply->element[2]));
        received_.fetch_add(1, std::memory_order_relaxed);
        MessageHandler handler;
        {
          std::lock_guard lock(handler_mutex_);
          handler = message_handler_;
        }
        if (handler) handler(channel, std::move(payload));
      }
    }
  }
  return true;
}

}  // namespace parley::bus
