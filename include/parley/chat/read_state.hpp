#pragma once
// Read marks and unread counts (API.md section 5). Read marks are state, not
// events: they take no seq. Synchronous: runs inside a DbPool call.
#include "parley/chat/outcome.hpp"


namespace parley::chat {

/// POST /v1/channels/{type}/{id}/read {"seq"?}: the caller's read mark (default: everything).
Outcome mark_read(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                  const nlohmann::json& body);
/// GET /v1/me: the user, total_unread_count and unread_channels.
Outcome get_me(Connection& c, const Caller& caller);
/// The body of get_me for a user, inside the caller's transaction (prepared statements only).
nlohmann::json read_me(storage::Tx& tx, std::int64_t app_id, const std::string& user_id);
/// The same in one autocommit statement (connection.ok, after the token check on the same connection).
nlohmann::json read_me(Connection& c, std::int64_t app_id, const std::string& user_id);

}  // namespace parley::chat
