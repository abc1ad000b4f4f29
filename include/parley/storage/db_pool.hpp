#pragma once
// DbPool: libpqxx connections on a bounded pool of blocking worker threads.
//
// Design: io threads never touch libpqxx. A coroutine calls `co_await
// pool.run(fn)`; fn(pqxx::connection&) runs on a worker thread that owns one
// connection, and the result (or exception) is posted back to the caller's
// executor. The queue of waiting calls is bounded: when it is full, run()
// throws DbUnavailable at once (the HTTP layer answers 503), and a call that
// waited longer than queue_timeout fails without running, so latency cannot
// grow without bound; a burst (a connect storm) waits instead of being refused. Connections are opened lazily, get a
// statement_timeout, and are reopened after a broken connection.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <pqxx/connection>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace parley::storage {

/// Adds libpq's connect_timeout (whole seconds) to a postgres URL unless it has one.
std::string with_connect_timeout(const std::string& url, std::chrono::milliseconds timeout);

/// The pool is saturated or PostgreSQL cannot be reached: answer 503.
class DbUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DbPoolOptions {
  std::string url;
  std::size_t size = 8;
  std::size_t queue_limit = 16384;
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds queue_timeout{5000};  // a call that waited longer fails without running
};

struct DbPoolStats {
  std::size_t size = 0;
  std::size_t in_use = 0;
  std::size_t waiting = 0;
  std::uint64_t rejected = 0;
  std::uint64_t expired = 0;  // waited past queue_timeout
  std::vector<std::pair<const char*, std::uint64_t>> statements;  // executions per prepared statement
  std::uint64_t connect_failures = 0;
};

/// Owned by the Server; shared by all io threads. Worker threads are its own.
class DbPool {
 public:
  explicit DbPool(DbPoolOptions options);
  ~DbPool();
  DbPool(const DbPool&) = delete;
  DbPool& operator=(const DbPool&) = delete;

  /// Runs fn(pqxx::connection&) on a worker; resumes the caller on its own executor.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F, pqxx::connection&>> run(F fn);

  DbPoolStats stats() const;
  /// Stops accepting work; queued calls fail with DbUnavailable; workers exit.
  void stop();

 private:
  struct Task {
    virtual ~Task() = default;
    // conn is null when no connection could be opened (error holds why).
    virtual void execute(pqxx::connection* conn, std::exception_ptr error) = 0;
    std::chrono::steady_clock::time_point deadline;  // set when queued
  };
  template <class F, class Handler>
  struct TaskImpl;

  /// Returns the task back when the queue is full or the pool stopped.
  std::unique_ptr<Task> enqueue(std::unique_ptr<Task> task);
  void worker_loop();
  std::unique_ptr<pqxx::connection> connect();

  DbPoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Task>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::atomic<std::size_t> in_use_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> expired_{0};
  std::atomic<std::uint64_t> connect_failures_{0};
};

template <class F, class Handler>
struct DbPool::TaskImpl final : DbPool::Task {
  using Result = std::invoke_result_t<F, pqxx::connection&>;
  using Stored = std::conditional_t<std::is_void_v<Result>, bool, Result>;
  TaskImpl(F f, Handler h) : fn(std::move(f)), handler(std::move(h)) {}

  void execute(pqxx::connection* conn, std::exception_ptr error) override {
    std::optional<Stored> value;
    if (!error) {
      try {
        if constexpr (std::is_void_v<Result>) {
          fn(*conn);
          value.emplace(true);
        } else {
          value.emplace(fn(*conn));
        }
      } catch (...) {
        error = std::current_exception();
      }
    }
    auto ex = boost::asio::get_associated_executor(handler);
    boost::asio::post(ex, [h = std::move(handler), error, v = std::move(value)]() mutable {
      h(error, std::move(v));
    });
  }

  F fn;
  Handler handler;
};

template <class F>
boost::asio::awaitable<std::invoke_result_t<F, pqxx::connection&>> DbPool::run(F fn) {
  using Result = std::invoke_result_t<F, pqxx::connection&>;
  using Stored = std::conditional_t<std::is_void_v<Result>, bool, Result>;
  auto stored = co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>,
                                                     void(std::exception_ptr, std::optional<Stored>)>(
      [this, &fn](auto handler) {
        using H = decltype(handler);
        std::unique_ptr<Task> task = std::make_unique<TaskImpl<F, H>>(std::move(fn), std::move(handler));
        if (auto refused = enqueue(std::move(task))) {
          refused->execute(nullptr, std::make_exception_ptr(DbUnavailable("database queue is full")));
        }
      },
      boost::asio::use_awaitable);
  if constexpr (!std::is_void_v<Result>) co_return std::move(*stored);
}

}  // namespace parley::storage
