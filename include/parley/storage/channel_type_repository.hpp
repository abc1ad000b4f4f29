#pragma once
// Channel type rows of an app: custom types and the app's overrides of the
// built-ins (built_in = true). Grants and switches are stored complete, as
// JSON text here (chat/ parses and renders them). Synchronous; works inside
// the caller's transaction.
#include "parley/storage/tx.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::storage {

/// What a channel type row says (the part the policy checks read).
struct ChannelTypeSettings {
  std::string grants_json;    // {role: [actions]}
  std::string switches_json;  // {switch: value}
  bool built_in = false;
};

/// A whole channel type row. Timestamps are RFC 3339 UTC text.
struct ChannelTypeRecord {
  std::string name;
  ChannelTypeSettings settings;
  std::string created_at, updated_at;
};

/// The settings of the app's row for `name`; with `for_update`, the row is locked until the transaction ends.
std::optional<ChannelTypeSettings> find_channel_type_settings(Tx& tx, std::int64_t app_id, const std::string& name,
                                                              bool for_update);

/// The app's row for `name`.
std::optional<ChannelTypeRecord> find_channel_type_record(Tx& tx, std::int64_t app_id, const std::string& name);

/// Every row of the app, by name.
std::vector<ChannelTypeRecord> list_channel_type_records(Tx& tx, std::int64_t app_id);

/// How many custom types (not overrides of built-ins) the app has.
std::size_t count_custom_channel_types(Tx& tx, std::int64_t app_id);

/// Inserts the row unless the app has one of that name already (then nullopt; nothing changes).
std::optional<ChannelTypeRecord> insert_channel_type(Tx& tx, std::int64_t app_id, const std::string& name,
                                                     bool built_in, const std::string& grants_json,
                                                     const std::string& switches_json);

/// Replaces the row's grants and switches (updated_at = now()); the row must exist.
ChannelTypeRecord update_channel_type_settings(Tx& tx, std::int64_t app_id, const std::string& name,
                                               const std::string& grants_json, const std::string& switches_json);

}  // namespace parley::storage
