#pragma once
// N single-threaded io_contexts, one thread each. A connection lives on one
// context for its whole life, so its state needs no locks.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <thread>
#include <vector>

namespace parley::net {

/// Owned by the Server; run() starts the threads, stop()+join() end them.
class IoContextPool {
 public:
  explicit IoContextPool(std::size_t size);
  IoContextPool(const IoContextPool&) = delete;
  IoContextPool& operator=(const IoContextPool&) = delete;

  std::size_t size() const { return contexts_.size(); }
  boost::asio::io_context& at(std::size_t i) { return *contexts_[i]; }
  /// Round-robin; called from the accept loop's thread only.
  boost::asio::io_context& next();

  void run();
  void stop();
  void join();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<WorkGuard> guards_;
  std::vector<std::thread> threads_;
  std::size_t next_ = 0;
};

}  // namespace parley::net
