#pragma once
// Channel membership (API.md section 5): add / remove / change roles, each
// change with its own seq and event; and the paginated member list.
// Synchronous: runs inside a DbPool call.
#include "parley/chat/outcome.hpp"

#include <pqxx/connection>

namespace parley::chat {

/// POST /v1/channels/{type}/{id}/members {"add":[ids],"remove":[ids],"roles":{id: role}}
Outcome update_members(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id,
                       const nlohmann::json& body);
/// GET /v1/channels/{type}/{id}/members?limit=&next= (ordered by user id; next is an opaque cursor)
Outcome list_members(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id,
                     const std::map<std::string, std::string>& query);

}  // namespace parley::chat
