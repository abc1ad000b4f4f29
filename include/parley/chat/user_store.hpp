#pragma once
// Users of an app (API.md section 5, Users). Synchronous: runs inside a DbPool call.
#include "parley/chat/outcome.hpp"

#include <pqxx/connection>

#include <optional>

namespace parley::chat {

/// POST /v1/users: {"users":[{id,name,image,role,custom}]} -> {"users":{id: user}} (server only).
Outcome upsert_users(pqxx::connection& c, const Caller& caller, const nlohmann::json& body);
/// GET /v1/users/{id}
Outcome get_user(pqxx::connection& c, const Caller& caller, const std::string& id);

/// The state of a user that authentication needs; nullopt when the user has no row yet.
struct UserAuthState {
  std::string role = "user";
  bool deactivated = false;
  bool deleted = false;
  std::optional<std::int64_t> revoke_tokens_before_s;
};
std::optional<UserAuthState> load_user_auth_state(pqxx::connection& c, std::int64_t app_id, const std::string& id);

/// Renders a users row selected with kUserColumns.
inline constexpr const char* kUserColumns =
    "id, name, image, role, custom::text, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
    "deactivated_at IS NOT NULL";

}  // namespace parley::chat
