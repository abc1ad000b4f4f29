#pragma once
// The results and events of message and reaction changes (API.md sections 5
// and 6): response envelopes, the event frames written to a channel's event
// log and sent to its watchers, and the notification to members not watching;
// also the channel settings update, which chat keeps with the message changes.
#include "parley/protocol/channel.hpp"
#include "parley/protocol/message.hpp"
#include "parley/protocol/reaction.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace parley::protocol {

/// {"message"}: the result of a message read, send, edit or delete.
nlohmann::json message_result(const Message& m);
/// The same around a message already rendered by to_json (a send renders it once for its ack and frames).
nlohmann::json message_result(nlohmann::json message);
/// {"message","reaction"}: the result of a reaction change.
nlohmann::json reaction_result(const Message& m, const Reaction& r);
/// {"messages","has_more"}: a page of messages (thread replies).
nlohmann::json message_page(const std::vector<Message>& messages, bool has_more);

/// The message.new frame as JSON text (serialized once, stored and sent; compact, keys sorted, as every frame).
std::string message_new_event(const std::string& cid, std::int64_t seq, const Message& m);
/// The same around a message already rendered by to_json.
std::string message_new_event(const std::string& cid, std::int64_t seq, const nlohmann::json& message);
/// The notification.message_new frame (no seq) as JSON text, for members who do not watch the channel.
std::string message_new_notification(const std::string& cid, const Message& m);
std::string message_new_notification(const std::string& cid, const nlohmann::json& message);
/// The message.updated event; created_at is the message's updated_at.
nlohmann::json message_updated_event(const std::string& cid, std::int64_t seq, const Message& m);
/// The message.deleted event, with hard_delete; created_at is the message's updated_at.
nlohmann::json message_deleted_event(const std::string& cid, std::int64_t seq, const Message& m, bool hard);
/// A reaction.new / reaction.updated / reaction.deleted event (`type`): the message with its new counts,
/// the reaction, its user; created_at is the reaction's updated_at.
nlohmann::json reaction_event(const char* type, const std::string& cid, std::int64_t seq, const Message& m,
                              const Reaction& r);

/// {"channel"}: the result of PATCH /v1/channels/{type}/{id}.
nlohmann::json channel_result(const Channel& c);
/// channel.updated: {"type","cid","seq","channel","created_at": the channel's updated_at}.
nlohmann::json channel_updated_event(const Channel& c, std::int64_t seq);

}  // namespace parley::protocol
