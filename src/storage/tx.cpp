#include "parley/storage/tx.hpp"

#include "parley/storage/db_pool.hpp"

#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/transaction>

namespace parley::storage {

namespace {

using ReadOnly = pqxx::transaction<pqxx::isolation_level::read_committed, pqxx::readwrite_policy::read_only>;
using Snapshot = pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only>;

std::unique_ptr<pqxx::transaction_base> begin(Connection& c, TxKind kind) {
  switch (kind) {
    case TxKind::read:
      return std::make_unique<ReadOnly>(c);
    case TxKind::snapshot:
      return std::make_unique<Snapshot>(c);
    case TxKind::autocommit:
      return std::make_unique<pqxx::nontransaction>(c);
    case TxKind::write:
      break;
  }
  return std::make_unique<pqxx::work>(c);
}

}  // namespace

Tx::Tx(Connection& c, TxKind kind) : tx_(begin(c, kind)) {}

Tx::~Tx() = default;

void Tx::commit() { tx_->commit(); }

void ping(Connection& c) {
  pqxx::nontransaction tx(c);
  tx.exec("SELECT 1");
}

bool is_sql_error(const std::exception& e) { return dynamic_cast<const pqxx::sql_error*>(&e) != nullptr; }

bool is_unavailable(const std::exception& e) {
  // A statement cancelled by statement_timeout: the database is overloaded or a row is held too long;
  // the client may retry (with the same message id, a send is safe to retry).
  if (dynamic_cast<const DbUnavailable*>(&e) != nullptr) return true;
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  return sql != nullptr && sql->sqlstate() == "57014";  // query_canceled
}

}  // namespace parley::storage
