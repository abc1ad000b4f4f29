#include "parley/bus/redis_client.hpp"

#include "parley/obs/log.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>

namespace parley::bus {
namespace {

constexpr std::chrono::milliseconds kBackoffStart{100};
constexpr std::chrono::milliseconds kBackoffMax{5000};
constexpr std::chrono::milliseconds kPingEvery{1000};
constexpr std::size_t kPipelineMax = 256;

RedisReply convert(const redisReply* r) {
  RedisReply out;
  out.ok = true;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.integer = r->integer;
      break;
    case REDIS_REPLY_NIL:
      out.nil = true;
      break;
    case REDIS_REPLY_ERROR:
      out.error = true;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      break;
  }
  return out;
}

}  // namespace

RedisClient::RedisClient(RedisEndpoint endpoint, std::size_t queue_limit)
    : endpoint_(std::move(endpoint)), queue_limit_(queue_limit) {
  thread_ = std::thread([this] { loop(); });
}

RedisClient::~RedisClient() { stop(); }

void RedisClient::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  fail_queued();
}

void RedisClient::command(std::vector<std::string> args, Callback done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && up_ && queue_.size() < queue_limit_) {
      queue_.push_back({std::move(args), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(RedisReply{});  // down, full or stopping: fail at once, never wait
}

void RedisClient::fail_queued() {
  std::deque<Pending> failed;
  {
    std::lock_guard lock(mutex_);
    failed.swap(queue_);
  }
  for (auto& p : failed) p.done(RedisReply{});
}

void RedisClient::loop() {
  auto backoff = kBackoffStart;
  std::vector<Pending> batch;
  while (!stopping_) {
    redisContext* ctx = connect_redis(endpoint_);
    if (ctx == nullptr) {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, backoff, [this] { return stopping_.load(); });
      backoff = std::min(backoff * 2, kBackoffMax);
      continue;
    }
    backoff = kBackoffStart;
    up_ = true;
    bool ok = true;
    while (ok && !stopping_) {
      {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, kPingEvery, [this] { return stopping_ || !queue_.empty(); });
        while (!queue_.empty() && batch.size() < kPipelineMax) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      if (stopping_) break;
      if (batch.empty()) {  // idle: find a dead connection before a command does
        auto* r = static_cast<redisReply*>(redisCommand(ctx, "PING"));
        ok = r != nullptr;
        if (r != nullptr) freeReplyObject(r);
        continue;
      }
      for (const auto& p : batch) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lens;
        for (const auto& a : p.args) {
          argv.push_back(a.data());
          lens.push_back(a.size());
        }
        redisAppendCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lens.data());
      }
      for (auto& p : batch) {
        void* raw = nullptr;
        if (ok && redisGetReply(ctx, &raw) == REDIS_OK && raw != nullptr) {
          RedisReply reply = convert(static_cast<redisReply*>(raw));
          freeReplyObject(raw);
          p.done(std::move(reply));
        } else {
          ok = false;
          p.done(RedisReply{});
        }
      }
      batch.clear();
    }
    redisFree(ctx);
    up_ = false;
    if (!stopping_) obs::warn("redis command connection lost; reconnecting");
    fail_queued();
  }
}

}  // namespace parley::bus
