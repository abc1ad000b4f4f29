#include "parley/storage/app_repository.hpp"


#include <pqxx/pqxx>

namespace parley::storage {
namespace {

constexpr const char* kColumns =
    "id, public_id, name, api_key, api_secret, settings::text, "
    "floor(extract(epoch FROM revoke_tokens_before))::bigint";

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
  const auto rows = tx.pq().exec_params(std::string("INSERT INTO apps (public_id, name, api_key, api_secret) "
                                               "VALUES ($1, $2, $3, $4) RETURNING ") + kColumns,
                                   app.public_id, app.name, app.api_key, app.api_secret);
  return read_app(rows[0]);
}

std::optional<AppRecord> find_app_by_key(Tx& tx, const std::string& api_key) {
  const auto rows = tx.pq().exec_params(std::string("SELECT ") + kColumns + " FROM apps WHERE api_key = $1", api_key);
  if (rows.empty()) return std::nullopt;
  return read_app(rows[0]);
}

}  // namespace parley::storage
