#pragma once
// Channel membership (API.md section 5): add / remove / change roles, each
// change with its own seq and event; and the paginated member list.
// Synchronous: runs inside a DbPool call.
#include "parley/chat/outcome.hpp"

#include <pqxx/connection>
#include <pqxx/transaction_base>

namespace parley::chat {

/// POST /v1/channels/{type}/{id}/members {"add":[ids],"remove":[ids],"roles":{id: role}}
Outcome update_members(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id,
                       const nlohmann::json& body);
/// Removes one member inside the caller's transaction (channel row locked) with a member.removed
/// event at the channel's next seq; false when the user was not a member.
bool remove_member(pqxx::transaction_base& tx, std::int64_t channel_pk, const std::string& cid,
                   const std::string& user_id);
/// GET /v1/channels/{type}/{id}/members?limit=&next= (ordered by user id; next is an opaque cursor)
Outcome list_members(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id,
                     const std::map<std::string, std::string>& query);

}  // namespace parley::chat
