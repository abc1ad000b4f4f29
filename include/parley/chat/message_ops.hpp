#pragma once
// One message by id: get, edit, delete (API.md section 5, Messages); and a
// channel's settings update. Every change takes the channel's next seq and
// writes its event, in one transaction. Synchronous: runs inside a DbPool call.
#include "parley/chat/outcome.hpp"

#include <pqxx/connection>

namespace parley::chat {

/// GET /v1/messages/{id}
Outcome get_message(pqxx::connection& c, const Caller& caller, const std::string& id);
/// PATCH /v1/messages/{id} {"set":{"text","custom","pinned"}} -> message.updated
Outcome update_message(pqxx::connection& c, const Caller& caller, const std::string& id, const nlohmann::json& body);
/// DELETE /v1/messages/{id}?hard=false -> message.deleted (soft: type "deleted", text and attachments gone)
Outcome delete_message(pqxx::connection& c, const Caller& caller, const std::string& id, bool hard);
/// PATCH /v1/channels/{type}/{id} {"set":{"name","custom","frozen","cooldown_s"}} -> channel.updated
Outcome update_channel(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id,
                       const nlohmann::json& body);

}  // namespace parley::chat
