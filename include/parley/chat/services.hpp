#pragma once
// Where the transports run chat operations. An operation owns its transaction
// and returns its Reply with the events it committed (chat::Changes); run()
// awaits it on a database thread and then publishes those events, once, for
// every caller (REST route, WebSocket op). Nothing else publishes committed
// events, except the group committer for sends, which does the same per batch.
#include "parley/chat/channel_event.hpp"
#include "parley/chat/database.hpp"
#include "parley/chat/outcome.hpp"

#include <boost/asio/awaitable.hpp>

#include <utility>

namespace parley::chat {

class Services {
 public:
  Services(Database& db, EventPublisher& events) : db_(db), events_(events) {}

  /// Runs op(connection) -> Outcome on a database thread (Database::run: bounded, may throw
  /// DbUnavailable), then publishes what a Reply committed.
  template <class Op>
  boost::asio::awaitable<Outcome> run(Op op) {
    Outcome outcome = co_await db_.run(std::move(op));
    publish(outcome);
    co_return outcome;
  }

  /// For an operation that ran inside another database call (after the caller's authentication):
  /// publishes a Reply's events and leaves the Reply without them; an ApiError committed nothing.
  void publish(Outcome& outcome);

  Database& db() { return db_; }

 private:
  Database& db_;
  EventPublisher& events_;
};

}  // namespace parley::chat
