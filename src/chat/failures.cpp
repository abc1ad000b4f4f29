#include "parley/chat/failures.hpp"

#include "parley/storage/db_pool.hpp"

#include <pqxx/except>

namespace parley::chat {

bool is_unavailable(const std::exception& e) {
  // A statement cancelled by statement_timeout: the database is overloaded or a row is held too long;
  // the client may retry (with the same message id, a send is safe to retry).
  if (dynamic_cast<const storage::DbUnavailable*>(&e) != nullptr) return true;
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  return sql != nullptr && sql->sqlstate() == "57014";  // query_canceled
}

}  // namespace parley::chat
