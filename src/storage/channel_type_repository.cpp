#include "parley/storage/channel_type_repository.hpp"

#include "parley/storage/prepared.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

namespace {

// The columns read_record() reads.
#define PARLEY_CHANNEL_TYPE_COLUMNS \
  "name, grants::text, switches::text, built_in, parley_ts(created_at), parley_ts(updated_at)"
#define PARLEY_CHANNEL_TYPE_SETTINGS \
  "SELECT grants::text, switches::text, built_in FROM channel_types WHERE app_id = $1 AND name = $2"

const Prepared kChannelTypeSettings{"channel_type_settings", PARLEY_CHANNEL_TYPE_SETTINGS};
const Prepared kChannelTypeSettingsForUpdate{"channel_type_settings_for_update",
                                             PARLEY_CHANNEL_TYPE_SETTINGS " FOR UPDATE"};
const Prepared kChannelTypeGet{"channel_type_get", "SELECT " PARLEY_CHANNEL_TYPE_COLUMNS
                                                   " FROM channel_types WHERE app_id = $1 AND name = $2"};
const Prepared kChannelTypeList{"channel_type_list", "SELECT " PARLEY_CHANNEL_TYPE_COLUMNS
                                                     " FROM channel_types WHERE app_id = $1 ORDER BY name"};
const Prepared kChannelTypeCountCustom{"channel_type_count_custom",
                                       "SELECT count(*) FROM channel_types WHERE app_id = $1 AND NOT built_in"};
const Prepared kChannelTypeInsert{"channel_type_insert",
                                  "INSERT INTO channel_types (app_id, name, built_in, grants, switches) "
                                  "VALUES ($1, $2, $3::boolean, $4::jsonb, $5::jsonb) "
                                  "ON CONFLICT (app_id, name) DO NOTHING RETURNING " PARLEY_CHANNEL_TYPE_COLUMNS};
const Prepared kChannelTypeUpdate{"channel_type_update",
                                  "UPDATE channel_types SET grants = $3::jsonb, switches = $4::jsonb, updated_at = now() "
                                  "WHERE app_id = $1 AND name = $2 RETURNING " PARLEY_CHANNEL_TYPE_COLUMNS};

ChannelTypeSettings read_settings(const pqxx::row& r, int first) {
  return {r[first].c_str(), r[first + 1].c_str(), r[first + 2].as<bool>()};
}

ChannelTypeRecord read_record(const pqxx::row& r) {
  return {r[0].c_str(), read_settings(r, 1), r[4].c_str(), r[5].c_str()};
}

}  // namespace

std::optional<ChannelTypeSettings> find_channel_type_settings(Tx& tx, std::int64_t app_id, const std::string& name,
                                                              bool for_update) {
  const auto rows = (for_update ? kChannelTypeSettingsForUpdate : kChannelTypeSettings)(tx, app_id, name);
  if (rows.empty()) return std::nullopt;
  return read_settings(rows[0], 0);
}

std::optional<ChannelTypeRecord> find_channel_type_record(Tx& tx, std::int64_t app_id, const std::string& name) {
  const auto rows = kChannelTypeGet(tx, app_id, name);
  if (rows.empty()) return std::nullopt;
  return read_record(rows[0]);
}

std::vector<ChannelTypeRecord> list_channel_type_records(Tx& tx, std::int64_t app_id) {
  const auto rows = kChannelTypeList(tx, app_id);
  std::vector<ChannelTypeRecord> records;
  records.reserve(rows.size());
  for (const auto& r : rows) records.push_back(read_record(r));
  return records;
}

std::size_t count_custom_channel_types(Tx& tx, std::int64_t app_id) {
  return kChannelTypeCountCustom(tx, app_id).at(0).at(0).as<std::size_t>();
}

std::optional<ChannelTypeRecord> insert_channel_type(Tx& tx, std::int64_t app_id, const std::string& name,
                                                     bool built_in, const std::string& grants_json,
                                                     const std::string& switches_json) {
  const auto rows = kChannelTypeInsert(tx, app_id, name, built_in, grants_json, switches_json);
  if (rows.empty()) return std::nullopt;
  return read_record(rows[0]);
}

ChannelTypeRecord update_channel_type_settings(Tx& tx, std::int64_t app_id, const std::string& name,
                                               const std::string& grants_json, const std::string& switches_json) {
  return read_record(kChannelTypeUpdate(tx, app_id, name, grants_json, switches_json).at(0));
}

}  // namespace parley::storage
