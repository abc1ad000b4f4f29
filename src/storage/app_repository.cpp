#include "parley/storage/app_repository.hpp"

#include "parley/storage/prepared.hpp"

#include <pqxx/pqxx>

namespace parley::storage {
namespace {

#define PARLEY_APP_COLUMNS                                  \
  "id, public_id, name, api_key, api_secret, settings::text, " \
  "floor(extract(epoch FROM revoke_tokens_before))::bigint"

const Prepared kCreateApp{"app_create",
                          "INSERT INTO apps (public_id, name, api_key, api_secret) VALUES ($1, $2, $3, $4) "
                          "RETURNING " PARLEY_APP_COLUMNS};
const Prepared kFindAppByKey{"app_find_by_key", "SELECT " PARLEY_APP_COLUMNS " FROM apps WHERE api_key = $1"};

// Deliberately no api_secret and no raw settings column.
#define PARLEY_APP_SETTINGS_COLUMNS                                                                   \
  "public_id, name, api_key, parley_ts(revoke_tokens_before), parley_ts(created_at), "               \
  "parley_ts(updated_at), floor(extract(epoch FROM revoke_tokens_before))::bigint"

const Prepared kFindAppSettings{"app_settings_find", "SELECT " PARLEY_APP_SETTINGS_COLUMNS " FROM apps WHERE id = $1"};
// $2: now() as the cutoff; otherwise $3 (NULL: no cutoff).
const Prepared kUpdateAppRevocation{"app_settings_revoke_tokens",
                                    "UPDATE apps SET revoke_tokens_before = CASE WHEN $2::boolean THEN now() "
                                    "ELSE $3::timestamptz END, updated_at = now() WHERE id = $1 "
                                    "RETURNING " PARLEY_APP_SETTINGS_COLUMNS};

std::optional<AppSettingsRecord> read_app_settings(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  const auto& r = rows[0];
  AppSettingsRecord a;
  a.public_id = r[0].c_str();
  a.name = r[1].c_str();
  a.api_key = r[2].c_str();
  if (!r[3].is_null()) a.revoke_tokens_before = r[3].c_str();
  a.created_at = r[4].c_str();
  a.updated_at = r[5].c_str();
  if (!r[6].is_null()) a.revoke_tokens_before_s = r[6].as<std::int64_t>();
  return a;
}

AppRecord read_app(const pqxx::row& r) {
  AppRecord a;
  a.id = r[0].as<std::int64_t>();
  a.public_id = r[1].c_str();
  a.name = r[2].c_str();
  a.api_key = r[3].c_str();
  a.api_secret = r[4].c_str();
  a.settings = nlohmann::json::parse(r[5].c_str());
  if (!r[6].is_null()) a.revoke_tokens_before_s = r[6].as<std::int64_t>();
  return a;
}

}  // namespace

AppRecord create_app(Tx& tx, const NewApp& app) {
  return read_app(kCreateApp(tx, app.public_id, app.name, app.api_key, app.api_secret).at(0));
}

std::optional<AppRecord> find_app_by_key(Tx& tx, const std::string& api_key) {
  const auto rows = kFindAppByKey(tx, api_key);
  if (rows.empty()) return std::nullopt;
  return read_app(rows[0]);
}

std::optional<AppSettingsRecord> find_app_settings(Tx& tx, std::int64_t app_id) {
  return read_app_settings(kFindAppSettings(tx, app_id));
}

std::optional<AppSettingsRecord> update_app_revocation(Tx& tx, std::int64_t app_id, const RevocationCutoff& cutoff) {
  return read_app_settings(
      kUpdateAppRevocation(tx, app_id, cutoff.now, cutoff.now ? std::optional<std::string>() : cutoff.at));
}

}  // namespace parley::storage
