#pragma once
// Rows of the apps table (tenants). Functions take a transaction so callers decide the unit of work.
#include <nlohmann/json.hpp>
#include <pqxx/transaction_base>

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

/// Inserts a new app with a fresh key and a 48-byte random secret.
AppRecord create_app(pqxx::transaction_base& tx, const std::string& name);
std::optional<AppRecord> find_app_by_key(pqxx::transaction_base& tx, const std::string& api_key);

}  // namespace parley::storage
