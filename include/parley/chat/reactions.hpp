#pragma once
// Reactions of a message and its thread replies (API.md section 5, Messages).
// Every reaction change takes the channel's next seq and writes its event
// (reaction.new / reaction.updated / reaction.deleted) in one transaction, and
// keeps messages.reaction_counts in step. Synchronous: runs inside a DbPool call.
#include "parley/chat/channel_event.hpp"
#include "parley/chat/outcome.hpp"
#include "parley/protocol/message.hpp"

#include <map>
#include <string>
#include <vector>

namespace parley::chat {

/// Fills "reaction_counts" and, when user_id is not empty, that user's "own_reactions" of `messages`
/// (an array of rendered messages, or one message object) with one query.
void attach_reactions(storage::Tx& tx, std::int64_t app_id, const std::string& user_id,
                      nlohmann::json& messages);
/// The same for messages not rendered yet (reaction_counts_json and own_reactions_json).
void attach_reactions(storage::Tx& tx, std::int64_t app_id, const std::string& user_id,
                      std::vector<protocol::Message>& messages);
/// The same for one message.
void attach_reactions(storage::Tx& tx, std::int64_t app_id, const std::string& user_id, protocol::Message& message);

/// Removes every reaction of `user_id` on other users' messages of one channel inside the caller's
/// transaction (the channel row already locked): each removal updates the message's reaction_counts
/// and takes the channel's next seq for a reaction.deleted event. Returns how many were removed.
/// Used by the user hard delete (GDPR); reactions on the user's own messages go with those messages.
std::int64_t remove_user_reactions(storage::Tx& tx, Changes& changes, std::int64_t app_id, std::int64_t channel_pk,
                                   const std::string& cid, const std::string& user_id);

/// POST /v1/messages/{id}/reactions {"type","score"?,"enforce_unique"?,"user_id"? (server)}
/// -> 201 {"message","reaction"} (200 when the reaction existed).
Outcome add_reaction(Connection& c, const Caller& caller, const std::string& message_id,
                     const nlohmann::json& body);
/// DELETE /v1/messages/{id}/reactions/{type}?user_id= (server) -> 200 {"message","reaction"}
Outcome delete_reaction(Connection& c, const Caller& caller, const std::string& message_id,
                        const std::string& type, const std::map<std::string, std::string>& query);
/// GET /v1/messages/{id}/replies?before_seq=&after_seq=&limit= -> {"messages","has_more"}, ascending by seq.
Outcome list_replies(Connection& c, const Caller& caller, const std::string& message_id,
                     const std::map<std::string, std::string>& query);

}  // namespace parley::chat
