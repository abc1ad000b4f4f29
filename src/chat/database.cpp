#include "parley/chat/database.hpp"

#include <pqxx/pqxx>

namespace parley::chat {

boost::asio::awaitable<void> Database::ping() {
  auto select_one = [](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec("SELECT 1");
  };
  co_await pool_.run(std::move(select_one));
}

}  // namespace parley::chat
