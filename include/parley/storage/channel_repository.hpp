#pragma once
// Channels and memberships as the chat services read them first in most
// operations: one live channel by name (optionally locked) and a member's role.
#include "parley/storage/tx.hpp"

#include <pqxx/row>

#include <cstdint>
#include <optional>
#include <string>

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

}  // namespace parley::storage
