#pragma once
// The message object of the API (REST bodies, WebSocket acks and events) and
// its rendering: one shape, written by these functions only.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace parley::protocol {

/// A message as the API shows it. JSON-valued fields hold JSON text (as stored), spliced in as they are.
struct Message {
  std::string id;
  std::string cid;
  std::int64_t seq = 0;
  std::string type;
  std::string user_id;
  std::string text;  // shown empty once deleted
  std::string attachments_json = "[]";
  std::optional<std::string> parent_id;
  bool show_in_channel = false;
  int reply_count = 0;
  std::string mentioned_users_json = "[]";
  std::string reaction_counts_json = "{}";  // {"like": 2, ...}
  std::string own_reactions_json = "[]";    // the reader's reactions
  bool pinned = false;
  bool silent = false;
  std::string custom_json = "{}";
  std::string created_at, updated_at;
  std::optional<std::string> deleted_at;
};

/// The message object as a JSON tree.
nlohmann::json to_json(const Message& m);
/// The same object appended as JSON text (no tree: for pages of many messages).
void append_json(std::string& out, const Message& m);
/// Sets "reaction_counts" and "own_reactions" (JSON text) of a message object rendered by to_json.
void set_reactions(nlohmann::json& message, const std::string& reaction_counts_json,
                   const std::string& own_reactions_json);

}  // namespace parley::protocol
