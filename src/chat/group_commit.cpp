#include "parley/chat/group_commit.hpp"

#include "parley/obs/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <pqxx/pqxx>

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
    p->caller = std::move(caller);
    p->type = std::move(type);
    p->id = std::move(id);
    p->draft = std::move(draft);
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
    auto work = [this](pqxx::connection& c) { drain(c); };
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

void GroupCommitter::drain(pqxx::connection& c) {
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

namespace {

bool is_reply(const Outcome& o) { return std::holds_alternative<Reply>(o); }

}  // namespace

void GroupCommitter::commit_batch(pqxx::connection& c, std::vector<std::unique_ptr<Pending>>& batch) {
  // One lock order for every transaction: channels are locked sorted by (app, type, id), so two
  // batches never wait on each other's channel rows in a cycle.
  std::stable_sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) {
    return std::tie(a->caller.app_id, a->type, a->id) < std::tie(b->caller.app_id, b->type, b->id);
  });
  std::vector<Outcome> outcomes(batch.size());
  std::vector<ChannelEvent> committed;  // published after the commit
  std::vector<std::size_t> alone;  // sends whose subtransaction failed: retried in their own transaction
  // One send inside `tx`; keeps its events only when it is accepted.
  auto store = [&](pqxx::transaction_base& tx, std::size_t i) {
    EventCapture capture(batch[i]->caller.app_id);
    outcomes[i] = store_send(tx, batch[i]->caller, batch[i]->type, batch[i]->id, batch[i]->draft);
    if (!is_reply(outcomes[i])) return false;
    for (auto& e : capture.take()) committed.push_back(std::move(e));
    return true;
  };
  try {
    pqxx::work tx(c);
    if (batch.size() == 1) {
      if (store(tx, 0)) tx.commit();
    } else {
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const std::size_t events_before = committed.size();
        try {
          pqxx::subtransaction sub(tx, "send");
          // A refused send rolls back its own writes (seq, reply_count) and nothing else.
          if (store(sub, i)) {
            sub.commit();
          } else {
            sub.abort();
          }
        } catch (const pqxx::broken_connection&) {
          throw;
        } catch (const pqxx::sql_error&) {
          committed.resize(events_before);
          alone.push_back(i);  // e.g. a deadlock with a transaction outside the group
        }
      }
      tx.commit();
    }
  } catch (...) {
    // Nothing of this batch was committed (or the commit's outcome is unknown: a retry with the
    // same message id is answered from the stored message, so it is safe either way).
    const auto error = std::current_exception();
    for (auto& p : batch) p->complete(error, Outcome{});
    return;
  }
  transactions_.fetch_add(1, std::memory_order_relaxed);
  sends_.fetch_add(batch.size() - alone.size(), std::memory_order_relaxed);
  for (const std::size_t i : alone) {
    const std::size_t events_before = committed.size();
    try {
      pqxx::work tx(c);
      if (store(tx, i)) tx.commit();
      transactions_.fetch_add(1, std::memory_order_relaxed);
      sends_.fetch_add(1, std::memory_order_relaxed);
    } catch (...) {
      committed.resize(events_before);
      batch[i]->complete(std::current_exception(), Outcome{});
      batch[i].reset();
    }
  }
  if (events_ != nullptr && !committed.empty()) events_->publish(std::move(committed));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (batch[i]) batch[i]->complete(nullptr, std::move(outcomes[i]));
  }
}

}  // namespace parley::chat
