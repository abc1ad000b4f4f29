#include "parley/storage/message_repository.hpp"

#include "parley/storage/prepared.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <limits>

namespace parley::storage {

namespace {

const Prepared kMessageChannel{
    "message_find_channel",
    "SELECT c.type, c.id FROM messages m JOIN channels c ON c.pk = m.channel_pk "
    "WHERE m.app_id = $1 AND m.id = $2 AND c.deleted_at IS NULL"};

const Prepared kMessageById{"message_find_by_id",
                            "SELECT " PARLEY_MESSAGE_COLUMNS " FROM messages m WHERE m.app_id = $1 AND m.id = $2"};

// Empty fields (NULL) keep their value.
const Prepared kMessageEdit{
    "message_edit",
    "UPDATE messages AS m SET updated_at = now(), text = COALESCE($3::text, m.text), "
    "custom = COALESCE($4::jsonb, m.custom), pinned = COALESCE($5::boolean, m.pinned) "
    "WHERE m.app_id = $1 AND m.id = $2 RETURNING " PARLEY_MESSAGE_COLUMNS};

const Prepared kMessageDecrementReplyCount{
    "message_decrement_reply_count",
    "UPDATE messages SET reply_count = GREATEST(reply_count - 1, 0) WHERE app_id = $1 AND id = $2"};

const Prepared kMessageHardDelete{"message_hard_delete", "DELETE FROM messages WHERE app_id = $1 AND id = $2"};

const Prepared kMessageSoftDelete{
    "message_soft_delete",
    "UPDATE messages AS m SET type = 'deleted', text = '', attachments = '[]'::jsonb, custom = '{}'::jsonb, "
    "deleted_at = now(), updated_at = now() WHERE m.app_id = $1 AND m.id = $2 RETURNING " PARLEY_MESSAGE_COLUMNS};

const Prepared kMessageScrubEvents{
    "message_scrub_events",
    "UPDATE channel_events SET payload = jsonb_set(jsonb_set(jsonb_set(payload, '{message,text}', '\"\"'), "
    "'{message,attachments}', '[]'), '{message,custom}', '{}') "
    "WHERE channel_pk = $1 AND payload->'message'->>'id' = $2::text"};

// A thread's replies below a seq ($4): the newest first, or (with $6) the oldest after a seq first.
#define PARLEY_REPLIES_HEAD                                                                          \
  "SELECT " PARLEY_MESSAGE_COLUMNS " FROM messages m WHERE m.app_id = $1 AND m.parent_id = $2 " \
  "AND m.channel_pk = $3 AND m.seq < $4 "
const Prepared kRepliesNewest{"message_replies_newest", PARLEY_REPLIES_HEAD "ORDER BY m.seq DESC LIMIT $5"};
const Prepared kRepliesAfter{"message_replies_after", PARLEY_REPLIES_HEAD "AND m.seq > $6 ORDER BY m.seq LIMIT $5"};

// Empty settings (NULL) keep their value.
const Prepared kChannelSettingsUpdate{
    "message_channel_settings_update",
    "UPDATE channels SET updated_at = now(), name = COALESCE($2::text, name), custom = COALESCE($3::jsonb, custom), "
    "frozen = COALESCE($4::boolean, frozen), cooldown_s = COALESCE($5::int, cooldown_s) WHERE pk = $1"};

}  // namespace

std::optional<MessageChannel> find_message_channel(Tx& tx, std::int64_t app_id, const std::string& message_id) {
  const auto rows = kMessageChannel(tx, app_id, message_id);
  if (rows.empty()) return std::nullopt;
  return MessageChannel{rows[0][0].c_str(), rows[0][1].c_str()};
}

std::optional<MessageRow> find_message_row(Tx& tx, std::int64_t app_id, const std::string& message_id) {
  const auto rows = kMessageById(tx, app_id, message_id);
  if (rows.empty()) return std::nullopt;
  return read_message_row(rows[0]);
}

MessageRow get_message_row(Tx& tx, std::int64_t app_id, const std::string& message_id) {
  return read_message_row(kMessageById.one(tx, app_id, message_id));
}

MessageRow edit_message(Tx& tx, std::int64_t app_id, const std::string& message_id, const MessageEdit& edit) {
  const auto rows = kMessageEdit(tx, app_id, message_id, edit.text, edit.custom_json, edit.pinned);
  return read_message_row(rows.at(0));
}

void decrement_reply_count(Tx& tx, std::int64_t app_id, const std::string& parent_id) {
  kMessageDecrementReplyCount(tx, app_id, parent_id);
}

void hard_delete_message(Tx& tx, std::int64_t app_id, const std::string& message_id) {
  kMessageHardDelete(tx, app_id, message_id);
}

MessageRow soft_delete_message(Tx& tx, std::int64_t app_id, const std::string& message_id) {
  const auto rows = kMessageSoftDelete(tx, app_id, message_id);
  return read_message_row(rows.at(0));
}

void scrub_message_events(Tx& tx, std::int64_t channel_pk, const std::string& message_id) {
  kMessageScrubEvents(tx, channel_pk, message_id);
}

ReplyPage read_replies(Tx& tx, std::int64_t app_id, std::int64_t channel_pk, const std::string& parent_id,
                       std::optional<std::int64_t> before_seq, std::optional<std::int64_t> after_seq, int limit) {
  const std::int64_t below = before_seq.value_or(std::numeric_limits<std::int64_t>::max());
  const int rows_wanted = limit + 1;  // one more tells whether there is more
  const auto rows = after_seq ? kRepliesAfter(tx, app_id, parent_id, channel_pk, below, rows_wanted, *after_seq)
                              : kRepliesNewest(tx, app_id, parent_id, channel_pk, below, rows_wanted);
  ReplyPage page;
  page.has_more = rows.size() > static_cast<std::size_t>(limit);
  const std::size_t n = std::min(rows.size(), static_cast<std::size_t>(std::max(limit, 0)));
  page.messages.reserve(n);
  // The extra row, if any, is the last one: the oldest of a newest page (which comes newest first).
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = after_seq ? k : n - 1 - k;
    page.messages.push_back(read_message_row(rows[static_cast<pqxx::result::size_type>(i)]));
  }
  return page;
}

void update_channel_settings(Tx& tx, std::int64_t channel_pk, const ChannelSettings& settings) {
  kChannelSettingsUpdate(tx, channel_pk, settings.name, settings.custom_json, settings.frozen, settings.cooldown_s);
}

}  // namespace parley::storage
