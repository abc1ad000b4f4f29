#pragma once
// A stored message as the repositories return it (typed; rendered to JSON by
// chat/protocol code, never here).
#include <pqxx/row>

#include <cstdint>
#include <optional>
#include <string>

namespace parley::storage {

struct MessageRow {
  std::string id;
  std::int64_t seq = 0;
  std::string type;
  std::string user_id;
  std::string text;
  std::string attachments_json;
  std::optional<std::string> parent_id;
  int reply_count = 0;
  std::string mentioned_users_json;
  bool pinned = false;
  bool silent = false;
  std::string custom_json;
  std::string created_at, updated_at;
  std::optional<std::string> deleted_at;
  std::string content_hash;
  bool show_in_channel = false;
};

/// The 17 message columns starting at `first` (the order of chat::kMessageColumns).
MessageRow read_message_row(const pqxx::row& r, int first = 0);

}  // namespace parley::storage
