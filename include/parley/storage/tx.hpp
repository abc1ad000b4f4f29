#pragma once
// A transaction as the chat services hold it: they open one, hand it to the
// repositories (the only code that runs SQL on it) and commit it. libpqxx
// stays behind this type; only storage/ reaches the pqxx transaction inside.
#include <pqxx/connection>
#include <pqxx/transaction_base>

#include <exception>
#include <memory>

namespace parley::storage {

/// A pooled connection (DbPool::run hands one to its callers).
using Connection = pqxx::connection;

enum class TxKind {
  write,      // read committed, read-write: every change
  read,       // read committed, read-only
  snapshot,   // repeatable read, read-only: several reads that must agree with each other
  autocommit  // no transaction: each statement alone (one-statement reads)
};

class Tx {
 public:
  explicit Tx(Connection& c, TxKind kind = TxKind::write);
  ~Tx();
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  /// Commits (a no-op for autocommit); without it the transaction rolls back when the Tx goes.
  void commit();

  /// The libpqxx transaction, for repositories.
  pqxx::transaction_base& pq() { return *tx_; }

 private:
  std::unique_ptr<pqxx::transaction_base> tx_;
};

/// One trivial statement (SELECT 1); throws when PostgreSQL cannot answer.
void ping(Connection& c);

/// True when PostgreSQL refused a statement (a constraint, a bad value, a timeout), as opposed to a
/// broken connection or a bug: a batch that failed so may be retried one by one.
bool is_sql_error(const std::exception& e);
/// True when `e` means the database is unavailable: the pool is saturated or stopped, a call waited
/// past its deadline, the connection broke, or a statement ran past statement_timeout.
bool is_unavailable(const std::exception& e);

}  // namespace parley::storage
