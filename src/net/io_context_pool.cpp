#include "parley/net/io_context_pool.hpp"

#include "parley/obs/log.hpp"

namespace parley::net {

IoContextPool::IoContextPool(std::size_t size) {
  if (size == 0) size = 1;
  for (std::size_t i = 0; i < size; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

boost::asio::io_context& IoContextPool::next() {
  auto& ctx = *contexts_[next_];
  next_ = (next_ + 1) % contexts_.size();
  return ctx;
}

void IoContextPool::run() {
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get()] {
      for (;;) {
        try {
          c->run();
          return;
        } catch (const std::exception& e) {
          // Nothing should escape a handler; log and keep the thread serving.
          obs::error("unhandled exception on io thread", {{"error", e.what()}});
        }
      }
    });
  }
}

void IoContextPool::stop() {
  guards_.clear();
  for (auto& ctx : contexts_) ctx->stop();
}

void IoContextPool::join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace parley::net
