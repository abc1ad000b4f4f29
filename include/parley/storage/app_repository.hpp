#pragma once
// Rows of the apps table (tenants). Functions take a transaction so callers decide the unit of work.
#include <nlohmann/json.hpp>
#include "parley/storage/tx.hpp"

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

}  // namespace parley::storage
