#pragma once
// Administration of an app's users (API.md sections 2 and 5, Users): list and
// search, partial update and deactivation, soft and hard (GDPR) deletion, and
// per-user token revocation. Synchronous: each function is one transaction
// inside a DbPool call.
#include "parley/chat/outcome.hpp"
#include "parley/storage/user_repository.hpp"

#include <map>
#include <string>
#include <variant>

namespace parley::chat {

inline constexpr std::size_t kMaxUsersPerLookup = 100;

/// GET /v1/users?ids=a,b (at most 100) or ?q=prefix&limit=&next= (id prefix, ordered by id, opaque
/// cursor) -> {"users":[...], "next"?}. Any authenticated caller; soft-deleted users are left out.
Outcome list_users(Connection& c, const Caller& caller, const std::map<std::string, std::string>& query);

/// PATCH /v1/users/{id} {"set":{name,image,custom,role}, "unset":[...], "deactivated": bool}.
/// A server token may change everything; a user only their own name, image and custom.
Outcome update_user(Connection& c, const Caller& caller, const std::string& id, const nlohmann::json& body);

/// DELETE /v1/users/{id}?mode=soft|hard (server). soft: deleted_at set, content kept. hard: the
/// row, the user's messages (each a message.deleted event) and memberships (member.removed) go;
/// a tombstone keeps older tokens refused.
Outcome delete_user(Connection& c, const Caller& caller, const std::string& id,
                    const std::map<std::string, std::string>& query);

/// POST /v1/users/{id}/revoke_tokens {"before": ts?} (server): the user's tokens with iat < before
/// (or without iat) get 401 token_revoked. Absent: now; null: no revocation.
Outcome revoke_user_tokens(Connection& c, const Caller& caller, const std::string& id,
                           const nlohmann::json& body);

/// The revocation time a client sent in body[field]: absent -> now (the transaction's now()), null ->
/// none, an RFC 3339 UTC timestamp ("2026-11-23T00:17:10.232Z") -> that time; 400 otherwise.
std::variant<storage::RevocationCutoff, protocol::ApiError> revocation_cutoff(const nlohmann::json& body,
                                                                              const char* field);

}  // namespace parley::chat
