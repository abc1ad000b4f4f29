#include "parley/chat/group_commit.hpp"

#include "parley/obs/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <tuple>

namespace parley::chat {

namespace asio = boost::asio;

GroupCommitter::GroupCommitter(storage::DbPool& db, GroupCommitOptions options, EventPublisher* events)
    : db_(db), options_(options), events_(events) {
  options_.max_batch = std::max<std::size_t>(1, options_.max_batch);
  options_.batches = std::max<std::size_t>(1, options_.batches);
}

GroupCommitStats GroupCommitter::stats() const {
  return {transactions_.load(std::memory_order_relaxed), sends_.load(std::memory_order_relaxed)};
}

asio::awaitable<Outcome> GroupCommitter::send(Caller caller, std::string type, std::string id, MessageDraft draft) {
  auto ex = co_await asio::this_coro::executor;
  auto initiation = [&](auto handler) {
    using H = decltype(handler);
    std::unique_ptr<Pending> p = std::make_unique<PendingImpl<H>>(std::move(handler));
    p->request = SendRequest{std::move(caller), std::move(type), std::move(id), std::move(draft)};
    const bool start = enqueue(p);
    if (p) {  // refused: the queue is full
      p->complete(std::make_exception_ptr(storage::DbUnavailable("message queue is full")), Outcome{});
      return;
    }
    if (start) asio::co_spawn(ex, run_on_pool(), asio::detached);
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(std::exception_ptr, Outcome)>(
      initiation, asio::use_awaitable);
}

bool GroupCommitter::enqueue(std::unique_ptr<Pending>& p) {
  std::lock_guard lock(mutex_);
  if (queue_.size() >= options_.queue_limit) return false;
  queue_.push_back(std::move(p));
  if (running_ >= options_.batches) return false;
  ++running_;
  return true;
}

asio::awaitable<void> GroupCommitter::run_on_pool() {
  std::exception_ptr error;
  try {
    auto work = [this](Connection& c) { drain(c); };
    co_await db_.run(std::move(work));
  } catch (...) {
    // The pool refused the call (saturated, stopped): drain() never ran.
    error = std::current_exception();
  }
  if (error) {
    bool last = false;
    {
      std::lock_guard lock(mutex_);
      last = --running_ == 0;
    }
    // Sends are answered by a runner that is still going; with none left, they fail now.
    if (last) fail_queued(error);
  }
}

void GroupCommitter::fail_queued(std::exception_ptr error) {
  std::deque<std::unique_ptr<Pending>> failed;
  {
    std::lock_guard lock(mutex_);
    if (running_ > 0) return;
    failed.swap(queue_);
  }
  for (auto& p : failed) p->complete(error, Outcome{});
}

void GroupCommitter::drain(Connection& c) {
  for (;;) {
    std::vector<std::unique_ptr<Pending>> batch;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        --running_;
        return;
      }
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_batch(c, batch);
  }
}

std::vector<Outcome> GroupCommitter::commit_once(Connection& c, const std::vector<const SendRequest*>& batch,
                                                std::vector<ChannelEvent>& committed) {
  const std::size_t events_before = committed.size();
  try {
    storage::Tx tx(c);
    auto outcomes = store_sends(tx, batch, committed);
    tx.commit();
    return outcomes;
  } catch (...) {
    committed.resize(events_before);
    throw;
  }
}

void GroupCommitter::commit_batch(Connection& c, std::vector<std::unique_ptr<Pending>>& batch) {
  // One lock order for every transaction: channels are locked sorted by (app, type, id), so two
  // batches never wait on each other's channel rows in a cycle.
  std::stable_sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) {
    return std::tie(a->request.caller.app_id, a->request.type, a->request.id) <
           std::tie(b->request.caller.app_id, b->request.type, b->request.id);
  });
  std::vector<const SendRequest*> requests;
  requests.reserve(batch.size());
  for (const auto& p : batch) requests.push_back(&p->request);
  std::vector<ChannelEvent> committed;  // published after the commit
  std::vector<Outcome> outcomes;
  // A broken connection or a bug: nothing of this batch was committed (or the commit's outcome is
  // unknown: a retry with the same message id is answered from the stored message, so it is safe).
  auto fail_all = [&batch](const std::exception_ptr& error) {
    for (auto& p : batch) p->complete(error, Outcome{});
  };
  try {
    outcomes = commit_once(c, requests, committed);
    transactions_.fetch_add(1, std::memory_order_relaxed);
    sends_.fetch_add(batch.size(), std::memory_order_relaxed);
  } catch (const std::exception& e) {
    if (!storage::is_sql_error(e) || batch.size() == 1) {
      fail_all(std::current_exception());
      return;
    }
    // Nothing of the batch was committed: each send alone, so one bad send fails only itself.
    outcomes.assign(batch.size(), Outcome{});
    for (std::size_t i = 0; i < batch.size(); ++i) {
      try {
        outcomes[i] = std::move(commit_once(c, {requests[i]}, committed).front());
        transactions_.fetch_add(1, std::memory_order_relaxed);
        sends_.fetch_add(1, std::memory_order_relaxed);
      } catch (...) {
        batch[i]->complete(std::current_exception(), Outcome{});
        batch[i].reset();
      }
    }
  } catch (...) {
    fail_all(std::current_exception());
    return;
  }
  if (events_ != nullptr && !committed.empty()) events_->publish(std::move(committed));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (batch[i]) batch[i]->complete(nullptr, std::move(outcomes[i]));
  }
}

}  // namespace parley::chat
