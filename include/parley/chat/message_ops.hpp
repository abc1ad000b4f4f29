#pragma once
// One message by id: get, edit, delete (API.md section 5, Messages); and a
// channel's settings update. Every change takes the channel's next seq and
// writes its event, in one transaction. Synchronous: runs inside a DbPool call.
#include "parley/chat/channel_event.hpp"
#include "parley/chat/outcome.hpp"
#include "parley/protocol/message.hpp"

namespace parley::chat {

/// GET /v1/messages/{id}
Outcome get_message(Connection& c, const Caller& caller, const std::string& id);
/// PATCH /v1/messages/{id} {"set":{"text","custom","pinned"}} -> message.updated
Outcome update_message(Connection& c, const Caller& caller, const std::string& id, const nlohmann::json& body);
/// DELETE /v1/messages/{id}?hard=false -> message.deleted (soft: type "deleted", text and attachments gone)
Outcome delete_message(Connection& c, const Caller& caller, const std::string& id, bool hard);
/// Deletes one stored message (as to_message() maps it) inside the caller's transaction, the
/// channel row already locked: hard removes the row, soft blanks it; scrubs its content from the
/// channel's event log; takes the channel's next seq for a message.deleted event. Returns the
/// message as the event carries it. Shared by DELETE /v1/messages/{id} and the user hard delete.
protocol::Message remove_message(storage::Tx& tx, Changes& changes, std::int64_t app_id, std::int64_t channel_pk,
                                 const std::string& cid, const protocol::Message& stored, bool hard);
/// PATCH /v1/channels/{type}/{id} {"set":{"name","custom","frozen","cooldown_s"}} -> channel.updated
Outcome update_channel(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                       const nlohmann::json& body);

}  // namespace parley::chat
