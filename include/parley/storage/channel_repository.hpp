#pragma once
// Channels and memberships as the chat services read them first in most
// operations: one live channel by name (optionally locked) and a member's role;
// and the channel row's own changes: creation, deletion, truncation, and the
// state a channel is answered with (its first members and newest messages).
#include "parley/storage/member_repository.hpp"
#include "parley/storage/message_row.hpp"
#include "parley/storage/tx.hpp"

#include <pqxx/row>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::storage {

/// A channel row (typed; rendered to JSON by chat/, never here). Timestamps are RFC 3339 UTC text.
struct ChannelRecord {
  std::int64_t pk = 0;
  std::string type, id;
  std::optional<std::string> name;
  std::string custom_json;
  std::optional<std::string> created_by;
  bool frozen = false;
  int cooldown_s = 0;
  std::int64_t last_seq = 0;
  std::string created_at, updated_at;
  std::optional<std::string> last_message_at;
};

/// SQL: the channel columns (aliased `alias`, "" for none) in the order read_channel_record() reads.
/// Only for statements of this module (constant text, no values).
#define PARLEY_CHANNEL_COLUMNS(alias)                                                                           \
  alias "pk, " alias "type, " alias "id, " alias "name, " alias "custom::text, " alias "created_by, " alias    \
  "frozen, " alias "cooldown_s, " alias "last_seq, parley_ts(" alias "created_at), parley_ts(" alias          \
  "updated_at), parley_ts(" alias "last_message_at)"
inline constexpr int kChannelRecordColumns = 12;

/// The kChannelRecordColumns channel columns starting at `first`.
ChannelRecord read_channel_record(const pqxx::row& r, int first = 0);

/// The live (not deleted) channel of the app by type and id; with `for_update`, its row is locked
/// until the transaction ends (every change of a channel's seq takes this lock first).
std::optional<ChannelRecord> find_channel_record(Tx& tx, std::int64_t app_id, const std::string& type, const std::string& id,
                                          bool for_update);

/// The member's role in the channel; nullopt when the user is not a member.
std::optional<std::string> find_member_role(Tx& tx, std::int64_t channel_pk, const std::string& user_id);

/// A new channel: NULL name / created_by / distinct_key where empty; custom is a JSON object as text.
struct NewChannel {
  std::int64_t app_id = 0;
  std::string type, id;
  std::optional<std::string> name;
  std::string custom_json = "{}";
  std::optional<std::string> created_by;
  std::optional<std::string> distinct_key;  // distinct channels only
};
/// Inserts the channel unless a channel (live or deleted) has its (app, type, id): its pk, or nullopt
/// when it existed (a concurrent creation waits for the other transaction, then does nothing).
std::optional<std::int64_t> insert_channel(Tx& tx, const NewChannel& ch);

/// The distinct key of the channel by type and id (deleted or not), which must exist (throws
/// pqxx::unexpected_rows otherwise).
struct ChannelIdentity {
  std::optional<std::string> distinct_key;  // NULL for channels created with an id
  bool deleted = false;
};
ChannelIdentity get_channel_identity(Tx& tx, std::int64_t app_id, const std::string& type, const std::string& id);

/// Removes a soft-deleted channel for good (its members, messages and events go with it): its
/// deleted_at, or nullopt when there is no deleted channel of that name.
std::optional<std::string> purge_deleted_channel(Tx& tx, std::int64_t app_id, const std::string& type,
                                                 const std::string& id);
/// Removes the channel row (members, messages and the event log go with it: ON DELETE CASCADE).
void hard_delete_channel(Tx& tx, std::int64_t channel_pk);
/// Marks the channel deleted (deleted_at and updated_at now); returns deleted_at. The channel must exist.
std::string soft_delete_channel(Tx& tx, std::int64_t channel_pk);
/// Removes every message of the channel and blanks the message content (text, attachments, custom)
/// in the payloads of its events; returns how many messages were removed.
std::int64_t truncate_channel_messages(Tx& tx, std::int64_t channel_pk);
/// Sets the channel's updated_at to now().
void touch_channel(Tx& tx, std::int64_t channel_pk);
/// The channel's last_seq (the channel must exist).
std::int64_t channel_last_seq(Tx& tx, std::int64_t channel_pk);

/// What a channel's state shows besides the channel: its first 100 members (by join time, then user
/// id) and the newest 25 messages of the channel view (thread-only replies left out), ascending by seq.
struct ChannelStateRows {
  std::vector<MemberRecord> members;
  std::vector<MessageRow> messages;
};
ChannelStateRows read_channel_state_rows(Tx& tx, std::int64_t channel_pk);

}  // namespace parley::storage
