#include "parley/chat/failures.hpp"

#include "parley/storage/db_pool.hpp"

#include <pqxx/except>

namespace parley::chat {

bool is_unavailable(const std::exception& e) {
  return dynamic_cast<const storage::DbUnavailable*>(&e) != nullptr ||
         dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr;
}

}  // namespace parley::chat
