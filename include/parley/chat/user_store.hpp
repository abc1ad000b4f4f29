#pragma once
// Users of an app (API.md section 5, Users). Synchronous: runs inside a DbPool call.
#include "parley/chat/outcome.hpp"
#include "parley/protocol/user.hpp"

#include <optional>

namespace parley::storage {
struct UserRecord;
}  // namespace parley::storage

namespace parley::chat {

/// POST /v1/users: {"users":[{id,name,image,role,custom}]} -> {"users":{id: user}} (server only).
Outcome upsert_users(Connection& c, const Caller& caller, const nlohmann::json& body);
/// GET /v1/users/{id}
Outcome get_user(Connection& c, const Caller& caller, const std::string& id);

/// Checks the profile fields a user object may carry (name, image, role, custom), as upsert and
/// PATCH /v1/users/{id} accept them; absent fields are fine, null name or image means "none".
std::optional<protocol::ApiError> validate_user_fields(const nlohmann::json& u);

/// A stored user as the API shows it.
protocol::User to_user(const storage::UserRecord& u);

}  // namespace parley::chat
