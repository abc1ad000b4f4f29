#pragma once
// Rows of the apps table (tenants). Functions take a transaction so callers decide the unit of work.
#include <nlohmann/json.hpp>
#include "parley/storage/tx.hpp"
#include "parley/storage/user_repository.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace parley::storage {

struct AppRecord {
  std::int64_t id = 0;
  std::string public_id;
  std::string name;
  std::string api_key;
  std::string api_secret;
  nlohmann::json settings = nlohmann::json::object();
  std::optional<std::int64_t> revoke_tokens_before_s;  // unix seconds
};

/// A new app's name and credentials (the caller generates them: storage knows no randomness).
struct NewApp {
  std::string public_id, name, api_key, api_secret;
};

/// Inserts a new app.
AppRecord create_app(Tx& tx, const NewApp& app);
std::optional<AppRecord> find_app_by_key(Tx& tx, const std::string& api_key);

/// An app's settings as GET / PATCH /v1/app show them (no api_secret, no raw settings). Timestamps are
/// RFC 3339 UTC text.
struct AppSettingsRecord {
  std::string public_id, name, api_key;
  std::optional<std::string> revoke_tokens_before;
  std::string created_at, updated_at;
  std::optional<std::int64_t> revoke_tokens_before_s;  // revoke_tokens_before in unix seconds (floor)
};

/// The app's settings; nullopt when there is no such app.
std::optional<AppSettingsRecord> find_app_settings(Tx& tx, std::int64_t app_id);
/// Sets the app's revoke_tokens_before (and updated_at); nullopt when there is no such app.
std::optional<AppSettingsRecord> update_app_revocation(Tx& tx, std::int64_t app_id, const RevocationCutoff& cutoff);

}  // namespace parley::storage
