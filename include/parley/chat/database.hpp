#pragma once
// The chat services' database, as the transports see it: REST routes and the
// system endpoints run chat operations through this handle and never hold
// the storage layer's pool themselves (module map: http/ -> chat/ -> storage/).
#include "parley/storage/db_pool.hpp"
#include "parley/storage/tx.hpp"

#include <boost/asio/awaitable.hpp>

#include <type_traits>
#include <utility>

namespace parley::chat {

class Database {
 public:
  explicit Database(storage::DbPool& pool) : pool_(pool) {}

  /// Runs `fn(connection)` on a database thread; see storage::DbPool::run (bounded queue, deadline,
  /// DbUnavailable when full or unreachable).
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F, storage::Connection&>> run(F fn) {
    return pool_.run(std::move(fn));
  }
  /// One trivial statement through the pool (readiness); throws when PostgreSQL cannot answer.
  boost::asio::awaitable<void> ping();
  storage::DbPoolStats stats() const { return pool_.stats(); }

 private:
  storage::DbPool& pool_;
};

}  // namespace parley::chat
