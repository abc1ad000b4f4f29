#include "parley/storage/channel_repository.hpp"

#include "parley/storage/prepared.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

namespace {

#define PARLEY_FIND_CHANNEL \
  "SELECT " PARLEY_CHANNEL_COLUMNS("") " FROM channels WHERE app_id = $1 AND type = $2 AND id = $3 AND deleted_at IS NULL"

const Prepared kFindChannel{"find_channel", PARLEY_FIND_CHANNEL};
const Prepared kFindChannelForUpdate{"find_channel_for_update", PARLEY_FIND_CHANNEL " FOR UPDATE"};
const Prepared kMemberRole{"member_role", "SELECT role FROM members WHERE channel_pk = $1 AND user_id = $2"};

// A concurrent creation of the same (app, type, id) waits for the other transaction's commit, then
// does nothing (and returns no row).
const Prepared kInsertChannel{"channel_insert",
                              "INSERT INTO channels (app_id, type, id, name, custom, created_by, distinct_key) "
                              "VALUES ($1, $2, $3, $4::text, $5::jsonb, $6::text, $7::text) "
                              "ON CONFLICT (app_id, type, id) DO NOTHING RETURNING pk"};
const Prepared kChannelIdentity{"channel_identity",
                                "SELECT distinct_key, deleted_at IS NOT NULL FROM channels "
                                "WHERE app_id = $1 AND type = $2 AND id = $3"};
const Prepared kPurgeDeleted{"channel_purge_deleted",
                             "DELETE FROM channels WHERE app_id = $1 AND type = $2 AND id = $3 "
                             "AND deleted_at IS NOT NULL RETURNING parley_ts(deleted_at)"};
const Prepared kHardDelete{"channel_hard_delete", "DELETE FROM channels WHERE pk = $1"};
const Prepared kSoftDelete{"channel_soft_delete",
                           "UPDATE channels SET deleted_at = now(), updated_at = now() WHERE pk = $1 "
                           "RETURNING parley_ts(deleted_at)"};
const Prepared kTruncateMessages{"channel_truncate_messages", "DELETE FROM messages WHERE channel_pk = $1"};
// The removed content must not stay readable through the event log either.
const Prepared kTruncateEventPayloads{
    "channel_truncate_event_payloads",
    "UPDATE channel_events SET payload = jsonb_set(jsonb_set(jsonb_set(payload, '{message,text}', '\"\"'), "
    "'{message,attachments}', '[]'), '{message,custom}', '{}') WHERE channel_pk = $1 AND payload ? 'message'"};
const Prepared kTouchChannel{"channel_touch", "UPDATE channels SET updated_at = now() WHERE pk = $1"};
const Prepared kLastSeq{"channel_last_seq", "SELECT last_seq FROM channels WHERE pk = $1"};
// A channel's state: its first 100 members, and the newest 25 messages of the channel view ascending.
const Prepared kStateMembers{"channel_state_members",
                             "SELECT user_id, role, read_seq, parley_ts(created_at) FROM members "
                             "WHERE channel_pk = $1 ORDER BY created_at, user_id LIMIT 100"};
const Prepared kStateMessages{"channel_state_messages",
                              "SELECT * FROM (SELECT " PARLEY_MESSAGE_COLUMNS " FROM messages m WHERE m.channel_pk = $1 "
                              "AND (m.parent_id IS NULL OR m.show_in_channel) ORDER BY m.seq DESC LIMIT 25) last "
                              "ORDER BY seq"};

// The one row of a statement that must return exactly one (as exec1 would check).
}  // namespace

ChannelRecord read_channel_record(const pqxx::row& r, int first) {
  ChannelRecord ch;
  ch.pk = r[first].as<std::int64_t>();
  ch.type = r[first + 1].c_str();
  ch.id = r[first + 2].c_str();
  ch.name = optional_text(r[first + 3]);
  ch.custom_json = r[first + 4].c_str();
  ch.created_by = optional_text(r[first + 5]);
  ch.frozen = r[first + 6].as<bool>();
  ch.cooldown_s = r[first + 7].as<int>();
  ch.last_seq = r[first + 8].as<std::int64_t>();
  ch.created_at = r[first + 9].c_str();
  ch.updated_at = r[first + 10].c_str();
  ch.last_message_at = optional_text(r[first + 11]);
  return ch;
}

std::optional<ChannelRecord> find_channel_record(Tx& tx, std::int64_t app_id, const std::string& type, const std::string& id,
                                          bool for_update) {
  const auto rows = (for_update ? kFindChannelForUpdate : kFindChannel)(tx, app_id, type, id);
  if (rows.empty()) return std::nullopt;
  return read_channel_record(rows[0]);
}

std::optional<std::string> find_member_role(Tx& tx, std::int64_t channel_pk, const std::string& user_id) {
  const auto rows = kMemberRole(tx, channel_pk, user_id);
  if (rows.empty()) return std::nullopt;
  return std::string(rows[0][0].c_str());
}

std::optional<std::int64_t> insert_channel(Tx& tx, const NewChannel& ch) {
  const auto rows = kInsertChannel(tx, ch.app_id, ch.type, ch.id, ch.name, ch.custom_json, ch.created_by, ch.distinct_key);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<std::int64_t>();
}

ChannelIdentity get_channel_identity(Tx& tx, std::int64_t app_id, const std::string& type, const std::string& id) {
  const auto r = kChannelIdentity.one(tx, app_id, type, id);
  return {optional_text(r[0]), r[1].as<bool>()};
}

std::optional<std::string> purge_deleted_channel(Tx& tx, std::int64_t app_id, const std::string& type,
                                                 const std::string& id) {
  const auto rows = kPurgeDeleted(tx, app_id, type, id);
  if (rows.empty()) return std::nullopt;
  return std::string(rows[0][0].c_str());
}

void hard_delete_channel(Tx& tx, std::int64_t channel_pk) { kHardDelete(tx, channel_pk); }

std::string soft_delete_channel(Tx& tx, std::int64_t channel_pk) {
  return kSoftDelete.one(tx, channel_pk)[0].c_str();
}

std::int64_t truncate_channel_messages(Tx& tx, std::int64_t channel_pk) {
  const std::int64_t removed = kTruncateMessages(tx, channel_pk).affected_rows();
  kTruncateEventPayloads(tx, channel_pk);
  return removed;
}

void touch_channel(Tx& tx, std::int64_t channel_pk) { kTouchChannel(tx, channel_pk); }

std::int64_t channel_last_seq(Tx& tx, std::int64_t channel_pk) {
  return kLastSeq.one(tx, channel_pk)[0].as<std::int64_t>();
}

ChannelStateRows read_channel_state_rows(Tx& tx, std::int64_t channel_pk) {
  ChannelStateRows state;
  for (const auto& r : kStateMembers(tx, channel_pk)) {
    state.members.push_back({r[0].c_str(), r[1].c_str(), r[2].as<std::int64_t>(), r[3].c_str()});
  }
  for (const auto& r : kStateMessages(tx, channel_pk)) state.messages.push_back(read_message_row(r));
  return state;
}

}  // namespace parley::storage
