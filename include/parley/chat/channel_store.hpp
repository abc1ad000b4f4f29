#pragma once
// Channels, members, messages and the per-channel event log (API.md section 5).
// Synchronous: each function is one transaction inside a DbPool call.
//
// Ordering: every persisted change takes the channel's next seq (next_seq():
// an increment of the channel row's last_seq, which locks the row) in the
// same transaction as the change and its channel_events row. The row lock
// serializes writers of one channel across all nodes; a rolled-back
// transaction rolls its increment back too, so seqs are gapless.
#include "parley/chat/message_rules.hpp"
#include "parley/chat/outcome.hpp"


namespace parley::chat {

/// PUT /v1/channels/{type}/{id}: {"name","members":[ids],"custom"} -> 201 created / 200 existing.
Outcome create_or_get_channel(Connection& c, const Caller& caller, const std::string& type,
                              const std::string& id, const nlohmann::json& body);
/// GET /v1/channels/{type}/{id}
Outcome get_channel(Connection& c, const Caller& caller, const std::string& type, const std::string& id);
/// The same inside the caller's transaction (the name already checked).
Outcome read_channel_state(storage::Tx& tx, const Caller& caller, const std::string& type,
                           const std::string& id);
/// The checks of a send that need no database: names, validation, limits; picks an id when none is given.
std::variant<MessageDraft, protocol::ApiError> prepare_send(const Caller& caller, const std::string& type,
                                                            const std::string& id, const nlohmann::json& body);
/// GET /v1/channels/{type}/{id}/messages?before_seq=&after_seq=&limit=
Outcome list_messages(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                      const std::map<std::string, std::string>& query);

}  // namespace parley::chat
