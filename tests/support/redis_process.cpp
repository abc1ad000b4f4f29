#include "support/redis_process.hpp"

#include <hiredis/hiredis.h>

#include <csignal>
#include <stdexcept>
#include <thread>

#include "support/free_port.hpp"
#include "support/test_env.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

bool answers_ping(std::uint16_t port) {
  const timeval timeout{0, 200'000};
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port, timeout);
  if (context == nullptr) {
    return false;
  }
  bool ok = false;
  if (context->err == 0 && redisSetTimeout(context, timeout) == REDIS_OK) {
    auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
    ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS && std::string(reply->str) == "PONG";
    if (reply != nullptr) {
      freeReplyObject(reply);
    }
  }
  redisFree(context);
  return ok;
}

}  // namespace

RedisProcess::RedisProcess(std::uint16_t port) : port_(port != 0 ? port : free_port()) {}

RedisProcess::~RedisProcess() = default;

long long RedisProcess::numsub(const std::string& channel) const {
  const timeval timeout{1, 0};
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port_, timeout);
  if (context == nullptr) return -1;
  long long n = -1;
  if (context->err == 0) {
    auto* reply = static_cast<redisReply*>(
        redisCommand(context, "PUBSUB NUMSUB %b", channel.data(), channel.size()));
    if (reply != nullptr && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[1]->type == REDIS_REPLY_INTEGER) {
      n = reply->element[1]->integer;
    }
    if (reply != nullptr) freeReplyObject(reply);
  }
  redisFree(context);
  return n;
}

void RedisProcess::start() {
  if (process_ && process_->running()) {
    throw std::logic_error("RedisProcess::start: already running on port " + std::to_string(port_));
  }
  process_.reset();
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{redis_server_binary(), "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save",
                               "", "--appendonly", "no", "--daemonize", "no", "--dir", dir_.path()});
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!answers_ping(port_)) {
    if (!process_->running()) {
      throw std::runtime_error("redis-server on port " + std::to_string(port_) + " exited during start:\n" +
                               process_->log());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("redis-server on port " + std::to_string(port_) + " did not answer PING within 5 s:\n" +
                               process_->log());
    }
    std::this_thread::sleep_for(20ms);
  }
}

void RedisProcess::stop() {
  if (!process_) {
    return;
  }
  process_->send_signal(SIGTERM);
  if (!process_->wait_exit(5s)) {
    process_->send_signal(SIGKILL);
    process_->wait_exit(5s);
  }
}

void RedisProcess::kill() {
  if (!process_) {
    return;
  }
  process_->send_signal(SIGKILL);
  process_->wait_exit(5s);
}

bool RedisProcess::running() { return process_ && process_->running(); }

std::string RedisProcess::url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

std::string RedisProcess::log() const { return process_ ? process_->log() : std::string(); }

}  // namespace parley::test
