#include "parley/storage/db_pool.hpp"

#include "parley/obs/log.hpp"
#include "parley/storage/prepared.hpp"

#include <pqxx/pqxx>

namespace parley::storage {
std::string with_connect_timeout(const std::string& url, std::chrono::milliseconds timeout) {
  if (url.find("connect_timeout=") != std::string::npos) return url;
  const auto secs = std::max<long long>(1, (timeout.count() + 999) / 1000);
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=" + std::to_string(secs);
}

DbPool::DbPool(DbPoolOptions options) : options_(std::move(options)) {
  options_.url = with_connect_timeout(options_.url, options_.connect_timeout);
  workers_.reserve(options_.size);
  for (std::size_t i = 0; i < options_.size; ++i) workers_.emplace_back([this] { worker_loop(); });
}

DbPool::~DbPool() { stop(); }

void DbPool::stop() {
  std::deque<std::unique_ptr<Task>> orphans;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    orphans.swap(queue_);
  }
  cv_.notify_all();
  for (auto& t : orphans) t->execute(nullptr, std::make_exception_ptr(DbUnavailable("database pool stopped")));
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  workers_.clear();
}

std::unique_ptr<DbPool::Task> DbPool::enqueue(std::unique_ptr<Task> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.queue_limit) {
      rejected_.fetch_add(1, std::memory_order_relaxed);
      return task;
    }
    task->deadline = std::chrono::steady_clock::now() + options_.queue_timeout;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return nullptr;
}

DbPoolStats DbPool::stats() const {
  DbPoolStats s;
  s.size = options_.size;
  s.in_use = in_use_.load(std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    s.waiting = queue_.size();
  }
  s.rejected = rejected_.load(std::memory_order_relaxed);
  s.expired = expired_.load(std::memory_order_relaxed);
  for (const auto* p : prepared_statements()) s.statements.emplace_back(p->name(), p->count());
  s.connect_failures = connect_failures_.load(std::memory_order_relaxed);
  return s;
}

std::unique_ptr<pqxx::connection> DbPool::connect() {
  auto conn = std::make_unique<pqxx::connection>(options_.url);
  pqxx::nontransaction tx(*conn);
  tx.exec("SET statement_timeout = " + std::to_string(options_.statement_timeout.count()));
  tx.exec("SET client_min_messages = warning");
  tx.commit();
  prepare_statements(*conn);
  return conn;
}

void DbPool::worker_loop() {
  std::unique_ptr<pqxx::connection> conn;
  for (;;) {
    std::unique_ptr<Task> task;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      in_use_.fetch_add(1, std::memory_order_relaxed);
    }
    if (std::chrono::steady_clock::now() > task->deadline) {
      // Its caller has waited long enough: answer without running it (and without a connection).
      expired_.fetch_add(1, std::memory_order_relaxed);
      task->execute(nullptr, std::make_exception_ptr(DbUnavailable("database queue wait timed out")));
      in_use_.fetch_sub(1, std::memory_order_relaxed);
      continue;
    }
    std::exception_ptr connect_error;
    if (!conn || !conn->is_open()) {
      conn.reset();
      try {
        conn = connect();
      } catch (const std::exception& e) {
        connect_failures_.fetch_add(1, std::memory_order_relaxed);
        obs::warn("database connect failed", {{"error", e.what()}});
        connect_error = std::make_exception_ptr(DbUnavailable("database unreachable"));
      }
    }
    try {
      task->execute(conn.get(), connect_error);
    } catch (...) {
      // execute() catches everything from fn; this only guards the post itself.
    }
    if (conn && !conn->is_open()) conn.reset();
    in_use_.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace parley::storage
