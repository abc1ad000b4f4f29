#include "parley/chat/user_store.hpp"

#include "parley/auth/user_state_cache.hpp"
#include "parley/protocol/ids.hpp"

#include <pqxx/pqxx>

namespace parley::chat {
namespace {

using protocol::ApiError;
constexpr std::size_t kMaxUsersPerUpsert = 100;
constexpr std::size_t kMaxCustomBytes = 5 * 1024;

std::optional<ApiError> optional_string(const nlohmann::json& u, const char* field, std::size_t max) {
  if (!u.contains(field) || u[field].is_null()) return std::nullopt;
  if (!u[field].is_string() || u[field].get_ref<const std::string&>().size() > max) {
    return ApiError::invalid_request(std::string(field) + " must be a string of at most " + std::to_string(max) +
                                     " bytes");
  }
  return std::nullopt;
}

}  // namespace

nlohmann::json render_user(const pqxx::row& r) {
  return {{"id", r[0].c_str()},
          {"name", r[1].is_null() ? nlohmann::json(nullptr) : nlohmann::json(r[1].c_str())},
          {"image", r[2].is_null() ? nlohmann::json(nullptr) : nlohmann::json(r[2].c_str())},
          {"role", r[3].c_str()},
          {"custom", nlohmann::json::parse(r[4].c_str())},
          {"created_at", r[5].c_str()},
          {"updated_at", r[6].c_str()},
          {"deactivated", r[7].as<bool>()}};
}

std::optional<ApiError> validate_user_fields(const nlohmann::json& u) {
  if (auto e = optional_string(u, "name", 200)) return *e;
  if (auto e = optional_string(u, "image", 2048)) return *e;
  if (u.contains("role") && !(u["role"] == "user" || u["role"] == "admin")) {
    return ApiError::invalid_request("role must be user or admin");
  }
  if (u.contains("custom") && (!u["custom"].is_object() || u["custom"].dump().size() > kMaxCustomBytes)) {
    return ApiError::invalid_request("custom must be an object of at most 5 KiB",
                                     {{"limit", "custom"}, {"max", kMaxCustomBytes}});
  }
  return std::nullopt;
}

Outcome upsert_users(Connection& c, const Caller& caller, const nlohmann::json& body) {
  if (!caller.server) return ApiError::forbidden("only a server token may upsert users");
  if (!body.contains("users") || !body["users"].is_array() || body["users"].empty()) {
    return ApiError::invalid_request("users must be a non-empty array");
  }
  if (body["users"].size() > kMaxUsersPerUpsert) {
    return ApiError::invalid_request("at most 100 users per request", {{"limit", "users"}, {"max", kMaxUsersPerUpsert}});
  }
  for (const auto& u : body["users"]) {
    if (!u.is_object() || !u.contains("id") || !u["id"].is_string() ||
        !protocol::is_valid_user_id(u["id"].get_ref<const std::string&>())) {
      return ApiError::invalid_request("every user needs an id matching ^[A-Za-z0-9@_.\\-!]{1,64}$");
    }
    if (auto e = validate_user_fields(u)) return *e;
  }
  storage::Tx tx(c);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& u : body["users"]) {
    const auto id = u["id"].get<std::string>();
    auto opt = [&](const char* f) { return u.contains(f) && u[f].is_string() ? tx.pq().quote(u[f].get<std::string>()) : std::string("NULL"); };
    const std::string role = u.contains("role") ? tx.pq().quote(u["role"].get<std::string>()) : "NULL";
    const std::string custom = u.contains("custom") ? tx.pq().quote(u["custom"].dump()) + "::jsonb" : "NULL";
    const auto rows = tx.pq().exec(
        "INSERT INTO users (app_id, id, name, image, role, custom) VALUES (" + std::to_string(caller.app_id) + ", " +
        tx.pq().quote(id) + ", " + opt("name") + ", " + opt("image") + ", COALESCE(" + role + ", 'user'), COALESCE(" +
        custom + ", '{}'::jsonb)) ON CONFLICT (app_id, id) DO UPDATE SET "
        "name = COALESCE(EXCLUDED.name, users.name), image = COALESCE(EXCLUDED.image, users.image), "
        "role = COALESCE(" + role + ", users.role), custom = COALESCE(" + custom + ", users.custom), "
        "deleted_at = NULL, updated_at = now() RETURNING " + kUserColumns);
    out[id] = render_user(rows[0]);
  }
  tx.commit();
  // An upsert may change a role or bring a deleted user back.
  std::vector<std::string> ids;
  for (const auto& u : body["users"]) ids.push_back(u["id"].get<std::string>());
  auth::user_state_cache().invalidate_everywhere(caller.app_id, ids);
  return Reply{Done::created, {{"users", out}}};
}

Outcome get_user(Connection& c, const Caller& caller, const std::string& id) {
  if (!protocol::is_valid_user_id(id)) return ApiError::invalid_request("invalid user id");
  storage::Tx tx(c, storage::TxKind::read);
  const auto rows = tx.pq().exec(std::string("SELECT ") + kUserColumns + " FROM users WHERE app_id = " +
                            std::to_string(caller.app_id) + " AND id = " + tx.pq().quote(id) + " AND deleted_at IS NULL");
  if (rows.empty()) return ApiError::not_found("no user " + id);
  return Reply{Done::ok, {{"user", render_user(rows[0])}}};
}

}  // namespace parley::chat
