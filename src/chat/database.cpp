#include "parley/chat/database.hpp"


namespace parley::chat {

boost::asio::awaitable<void> Database::ping() {
  auto select_one = [](storage::Connection& c) { storage::ping(c); };
  co_await pool_.run(std::move(select_one));
}

}  // namespace parley::chat
