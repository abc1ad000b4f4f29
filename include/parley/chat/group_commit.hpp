#pragma once
// Group commit for message sends (issue 3 item 8, issue 9 item 6). Concurrent
// sends wait in one bounded queue; up to `batches` transactions run at once,
// each on a DbPool connection, and each takes up to `max_batch` waiting sends,
// stores them all with one statement (a refused send writes nothing; see
// migrations/0008_send_batch.sql) and their events with one more, commits
// once, and only then answers every send of the batch: four round trips per
// batch (BEGIN, sends, events, COMMIT) whatever its size. The answer of an
// acknowledged send is therefore always durable, and many sends share one
// commit (one WAL flush) under load. When the batch's statement fails (a
// deadlock with a transaction outside the group, say), each of its sends is
// retried in a transaction of its own.
#include "parley/chat/channel_event.hpp"
#include "parley/chat/message_sends.hpp"
#include "parley/storage/db_pool.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

namespace parley::chat {

struct GroupCommitOptions {
  std::size_t max_batch = 64;
  std::size_t batches = 2;
  std::size_t queue_limit = 1024;
};

struct GroupCommitStats {
  std::uint64_t transactions = 0;  // committed send transactions
  std::uint64_t sends = 0;         // sends that went through them
};

/// Owned by the Server next to the DbPool (which must be stopped first); used from every io thread.
class GroupCommitter {
 public:
  /// `events` (may be null) receives each committed send's events after the commit.
  GroupCommitter(storage::DbPool& db, GroupCommitOptions options, EventPublisher* events = nullptr);
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  /// A validated send (see prepare_send); resumes the caller on its own executor after the commit.
  /// Throws storage::DbUnavailable when the queue is full or the database cannot be reached.
  boost::asio::awaitable<Outcome> send(Caller caller, std::string type, std::string id, MessageDraft draft);

  GroupCommitStats stats() const;

 private:
  struct Pending {
    virtual ~Pending() = default;
    virtual void complete(std::exception_ptr error, Outcome outcome) = 0;
    SendRequest request;
  };
  template <class Handler>
  struct PendingImpl;

  /// Queues p; returns true when the caller must start a new batch runner.
  bool enqueue(std::unique_ptr<Pending>& p);
  boost::asio::awaitable<void> run_on_pool();
  /// On a DbPool worker: takes and commits batches until the queue is empty.
  void drain(Connection& c);
  void commit_batch(Connection& c, std::vector<std::unique_ptr<Pending>>& batch);
  /// One transaction for `batch`; throws what PostgreSQL throws (nothing committed then).
  std::vector<Outcome> commit_once(Connection& c, const std::vector<const SendRequest*>& batch,
                                   std::vector<ChannelEvent>& committed);
  void fail_queued(std::exception_ptr error);

  storage::DbPool& db_;
  GroupCommitOptions options_;
  EventPublisher* events_;
  mutable std::mutex mutex_;
  std::deque<std::unique_ptr<Pending>> queue_;
  std::size_t running_ = 0;
  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> sends_{0};
};

template <class Handler>
struct GroupCommitter::PendingImpl final : GroupCommitter::Pending {
  explicit PendingImpl(Handler h) : handler(std::move(h)) {}
  void complete(std::exception_ptr error, Outcome outcome) override {
    auto ex = boost::asio::get_associated_executor(handler);
    boost::asio::post(ex, [h = std::move(handler), error, o = std::move(outcome)]() mutable { h(error, std::move(o)); });
  }
  Handler handler;
};

}  // namespace parley::chat
