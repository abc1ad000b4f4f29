#include "parley/protocol/reaction.hpp"

namespace parley::protocol {

nlohmann::json to_json(const Reaction& r) {
  return {{"message_id", r.message_id}, {"user_id", r.user_id},       {"user", {{"id", r.user_id}}}, {"type", r.type},
          {"score", r.score},           {"created_at", r.created_at}, {"updated_at", r.updated_at}};
}

std::string reactions_json(const std::vector<Reaction>& reactions) {
  if (reactions.empty()) return "[]";
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : reactions) out.push_back(to_json(r));
  return out.dump();
}

}  // namespace parley::protocol
