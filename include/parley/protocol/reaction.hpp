#pragma once
// The reaction object of the API (REST bodies, WebSocket acks and events) and
// its rendering.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace parley::protocol {

/// A user's reaction to a message as the API shows it.
struct Reaction {
  std::string message_id;
  std::string user_id;
  std::string type;
  int score = 1;
  std::string created_at, updated_at;
};

/// The reaction object as a JSON tree.
nlohmann::json to_json(const Reaction& r);
/// An array of reaction objects as JSON text (a message's own_reactions, protocol::Message::own_reactions_json).
std::string reactions_json(const std::vector<Reaction>& reactions);

}  // namespace parley::protocol
