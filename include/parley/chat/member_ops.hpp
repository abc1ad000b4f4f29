#pragma once
// Channel membership (API.md section 5): add / remove / change roles, each
// change with its own seq and event; and the paginated member list.
// Synchronous: runs inside a DbPool call.
#include "parley/chat/channel_event.hpp"
#include "parley/chat/outcome.hpp"


namespace parley::chat {

/// POST /v1/channels/{type}/{id}/members {"add":[ids],"remove":[ids],"roles":{id: role}}
Outcome update_members(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                       const nlohmann::json& body);
/// Removes one member inside the caller's transaction (channel row locked) with a member.removed
/// event at the channel's next seq (recorded in `changes`); false when the user was not a member.
bool remove_member(storage::Tx& tx, Changes& changes, std::int64_t channel_pk, const std::string& cid,
                   const std::string& user_id);
/// GET /v1/channels/{type}/{id}/members?limit=&next= (ordered by user id; next is an opaque cursor)
Outcome list_members(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                     const std::map<std::string, std::string>& query);

}  // namespace parley::chat
