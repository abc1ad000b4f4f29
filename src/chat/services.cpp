#include "parley/chat/services.hpp"

namespace parley::chat {

void Services::publish(Outcome& outcome) {
  auto* reply = std::get_if<Reply>(&outcome);
  if (reply == nullptr || reply->events.empty()) return;
  events_.publish(std::move(reply->events));
  reply->events.clear();
}

}  // namespace parley::chat
