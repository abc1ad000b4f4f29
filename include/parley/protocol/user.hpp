#pragma once
// The user object of the API and the bodies that carry it (users, /v1/me, the
// results of user administration): one shape for REST bodies and WebSocket frames.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::protocol {

/// A user as the API shows it. `custom_json` is JSON text (an object).
struct User {
  std::string id;
  std::optional<std::string> name, image;
  std::string role = "user";
  std::string custom_json = "{}";
  std::string created_at, updated_at;
  bool deactivated = false;
};

/// The user object.
nlohmann::json to_json(const User& u);
/// {"user": user} (GET and PATCH /v1/users/{id}).
nlohmann::json user_result(const User& u);
/// {"users": {id: user}} (POST /v1/users); a repeated id keeps its last user.
nlohmann::json users_by_id(const std::vector<User>& users);
/// {"users": [user...], "next"?} (GET /v1/users); "next" only when there is a further page.
nlohmann::json user_page(const std::vector<User>& users, const std::optional<std::string>& next);

/// {"user": user + "deleted_at", "mode": "soft"} (DELETE /v1/users/{id}?mode=soft).
nlohmann::json soft_delete_result(const User& u, const std::string& deleted_at);

/// What a hard (GDPR) deletion removed.
struct HardDeletion {
  std::string user_id, deleted_at;
  std::int64_t messages_deleted = 0, memberships_removed = 0, reactions_removed = 0;
};
/// {"user": {"id", "deleted_at"}, "mode": "hard", "messages_deleted", "memberships_removed", "reactions_removed"}.
nlohmann::json hard_delete_result(const HardDeletion& d);

/// {"user_id", "revoke_tokens_before": ts or null} (POST /v1/users/{id}/revoke_tokens).
nlohmann::json revoke_tokens_result(const std::string& user_id, const std::optional<std::string>& revoke_tokens_before);

/// The profile part of /v1/me (a user row exists).
struct MeProfile {
  std::optional<std::string> name, image;
  std::string role = "user";
  std::string custom_json = "{}";
};
/// The caller and their unread totals (GET /v1/me, connection.ok's `me`).
struct Me {
  std::string id;
  std::optional<MeProfile> profile;  // none: a token for a user without a row (only the id is shown)
  std::int64_t total_unread_count = 0;
  int unread_channels = 0;
};
/// {"user": {id, name?, image?, role?, custom?, total_unread_count, unread_channels}, "total_unread_count",
/// "unread_channels"}.
nlohmann::json me_result(const Me& me);

}  // namespace parley::protocol
