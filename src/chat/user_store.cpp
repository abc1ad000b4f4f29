#include "parley/chat/user_store.hpp"

#include "parley/auth/user_state_cache.hpp"
#include "parley/protocol/ids.hpp"
#include "parley/storage/user_repository.hpp"

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

protocol::User to_user(const storage::UserRecord& u) {
  return {u.id, u.name, u.image, u.role, u.custom_json, u.created_at, u.updated_at, u.deactivated};
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
  std::vector<protocol::User> out;
  for (const auto& u : body["users"]) {
    storage::UserUpsert row;
    row.id = u["id"].get<std::string>();
    auto opt = [&](const char* f) {
      return u.contains(f) && u[f].is_string() ? std::optional<std::string>(u[f].get<std::string>()) : std::nullopt;
    };
    row.name = opt("name");
    row.image = opt("image");
    if (u.contains("role")) row.role = u["role"].get<std::string>();
    if (u.contains("custom")) row.custom_json = u["custom"].dump();
    out.push_back(to_user(storage::upsert_user(tx, caller.app_id, row)));
  }
  tx.commit();
  // An upsert may change a role or bring a deleted user back.
  std::vector<std::string> ids;
  for (const auto& u : body["users"]) ids.push_back(u["id"].get<std::string>());
  auth::user_state_cache().invalidate_everywhere(caller.app_id, ids);
  return Reply{Done::created, protocol::users_by_id(out)};
}

Outcome get_user(Connection& c, const Caller& caller, const std::string& id) {
  if (!protocol::is_valid_user_id(id)) return ApiError::invalid_request("invalid user id");
  storage::Tx tx(c, storage::TxKind::read);
  const auto user = storage::find_user(tx, caller.app_id, id);
  if (!user) return ApiError::not_found("no user " + id);
  return Reply{Done::ok, protocol::user_result(to_user(*user))};
}

}  // namespace parley::chat
