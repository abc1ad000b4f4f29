#pragma once
// One message by id as the message operations read and change it (get, edit,
// soft / hard delete, the event log scrub), a thread's reply pages, and a
// channel's settings update. Typed rows only (rendered to JSON by chat/).
// Synchronous; every function works inside the caller's transaction.
#include "parley/storage/message_row.hpp"
#include "parley/storage/tx.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::storage {

/// The channel a message is in (type and id).
struct MessageChannel {
  std::string type, id;
};

/// The live (not deleted) channel of the app's message `message_id`; nullopt when there is no such
/// message or its channel is deleted.
std::optional<MessageChannel> find_message_channel(Tx& tx, std::int64_t app_id, const std::string& message_id);

/// The app's message by id; nullopt when there is none.
std::optional<MessageRow> find_message_row(Tx& tx, std::int64_t app_id, const std::string& message_id);
/// The app's message by id, which must exist (throws pqxx::unexpected_rows otherwise).
MessageRow get_message_row(Tx& tx, std::int64_t app_id, const std::string& message_id);

/// The fields of a message edit; empty ones keep their value (updated_at is always set to now()).
struct MessageEdit {
  std::optional<std::string> text;
  std::optional<std::string> custom_json;  // a JSON object as text
  std::optional<bool> pinned;
};
/// Applies the edit to the app's message (which must exist) and returns the stored row.
MessageRow edit_message(Tx& tx, std::int64_t app_id, const std::string& message_id, const MessageEdit& edit);

/// One reply fewer on the parent message (never below 0).
void decrement_reply_count(Tx& tx, std::int64_t app_id, const std::string& parent_id);
/// Removes the message row (its reactions go with it).
void hard_delete_message(Tx& tx, std::int64_t app_id, const std::string& message_id);
/// Blanks the message (type "deleted", no text, attachments or custom; deleted_at and updated_at now);
/// the message must exist. Returns the stored row.
MessageRow soft_delete_message(Tx& tx, std::int64_t app_id, const std::string& message_id);
/// Blanks text, attachments and custom of the message in the payloads of the channel's events that
/// carry it.
void scrub_message_events(Tx& tx, std::int64_t channel_pk, const std::string& message_id);

/// A page of a thread's replies, ascending by seq.
struct ReplyPage {
  std::vector<MessageRow> messages;
  bool has_more = false;
};
/// The replies of `parent_id` in the channel, bounded by before_seq / after_seq: the newest `limit`
/// unless after_seq is given (then the oldest `limit` after it); ascending by seq either way.
ReplyPage read_replies(Tx& tx, std::int64_t app_id, std::int64_t channel_pk, const std::string& parent_id,
                       std::optional<std::int64_t> before_seq, std::optional<std::int64_t> after_seq, int limit);

/// The settings of a channel update; empty ones keep their value (updated_at is always set to now()).
struct ChannelSettings {
  std::optional<std::string> name;
  std::optional<std::string> custom_json;  // a JSON object as text
  std::optional<bool> frozen;
  std::optional<int> cooldown_s;
};
void update_channel_settings(Tx& tx, std::int64_t channel_pk, const ChannelSettings& settings);

}  // namespace parley::storage
