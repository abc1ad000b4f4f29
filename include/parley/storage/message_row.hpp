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

/// SQL text: the 17 message columns of the messages table aliased m, in the order read_message_row() reads.
/// For the statements of storage/ (constant text, no values).
#define PARLEY_MESSAGE_COLUMNS                                                                            \
  "m.id, m.seq, m.type, m.user_id, m.text, m.attachments::text, m.parent_id, m.reply_count, "            \
  "m.mentioned_users::text, m.pinned, m.silent, m.custom::text, parley_ts(m.created_at), "               \
  "parley_ts(m.updated_at), parley_ts(m.deleted_at), m.content_hash, m.show_in_channel"
inline constexpr int kMessageRowColumns = 17;

/// The 17 message columns starting at `first` (PARLEY_MESSAGE_COLUMNS).
MessageRow read_message_row(const pqxx::row& r, int first = 0);

}  // namespace parley::storage
