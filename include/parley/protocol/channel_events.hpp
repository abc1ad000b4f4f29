#pragma once
// The response bodies of the channel endpoints (states, the channel list, member
// pages, delete / truncate / hide / mute results) and the channel-wide events
// (channel.deleted, channel.truncated, member.*: JSON trees, stored and sent as
// their text by chat's append_event) and the notification.* frames (JSON text):
// one shape for REST bodies, WebSocket acks and events.
#include "parley/protocol/channel.hpp"
#include "parley/protocol/member.hpp"
#include "parley/protocol/message.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::protocol {

/// A channel's state as PUT / GET /v1/channels/{type}/{id} answer it.
struct ChannelState {
  nlohmann::json channel;                             // the channel object (to_json(Channel))
  std::vector<Member> members;                        // up to 100, oldest first
  nlohmann::json messages = nlohmann::json::array();  // message objects (to_json(Message)), ascending
};
/// {"channel","members":[{"user_id","role","created_at"}],"messages","read":[{"user_id","last_read_seq"}]}.
nlohmann::json to_json(const ChannelState& s);
/// The same, moving the channel and the messages out of `s` (no copy of a page of messages).
nlohmann::json to_json(ChannelState&& s);

/// A channel of the channel list: its state, the member's unread count and own membership.
struct ChannelListEntry {
  ChannelState state;
  int unread_count = 0;
  Membership membership;
};
/// GET /v1/channels: {"channels":[state + "unread_count" + "membership"],"next": cursor or null}.
nlohmann::json channel_list_page(std::vector<ChannelListEntry> channels, const std::optional<std::string>& next);

/// GET .../messages: {"messages":[message],"has_more"} as JSON text, written without a tree (append_json).
std::string history_page(const std::vector<Message>& messages, bool has_more);

/// GET .../members: {"members":[member],"next": cursor or null}.
nlohmann::json members_page(const std::vector<Member>& members, const std::optional<std::string>& next);
/// POST .../members: {"members":[member],"last_seq"}.
nlohmann::json members_result(const std::vector<Member>& members, std::int64_t last_seq);
/// DELETE /v1/channels/{type}/{id}: {"channel" (deleted_channel_json or purged_channel_json),"hard_delete"}.
nlohmann::json delete_result(const nlohmann::json& channel, bool hard);
/// POST .../truncate: {"channel","removed_messages"}.
nlohmann::json truncate_result(const Channel& c, std::int64_t removed_messages);
/// POST .../hide, show, mute, unmute: {"cid","membership"}.
nlohmann::json membership_result(const std::string& cid, const Membership& m);

/// channel.deleted: {"type","cid","seq","channel" (with deleted_at),"created_at": deleted_at}.
nlohmann::json channel_deleted_event(const Channel& c, std::int64_t seq, const std::string& deleted_at);
/// channel.truncated: {"type","cid","seq","channel","created_at": the channel's updated_at}.
nlohmann::json channel_truncated_event(const Channel& c, std::int64_t seq);
/// member.added / member.updated / member.removed: {"type","cid","seq","member","created_at"}.
nlohmann::json member_event(const char* type, const std::string& cid, std::int64_t seq, const Member& m,
                            const std::string& created_at);

/// notification.added_to_channel frame: {"type","cid","channel","member","created_at"}; `channel` is
/// the channel object, `member` the member object (to_json(Member)).
std::string added_to_channel_notification(const nlohmann::json& channel, const nlohmann::json& member,
                                          const std::string& created_at);
/// notification.removed_from_channel frame: {"type","cid","channel","member":{"user_id"},"created_at"}.
std::string removed_from_channel_notification(const nlohmann::json& channel, const std::string& user_id,
                                              const std::string& created_at);

/// What notification.mark_read tells a user after a read mark.
struct MarkRead {
  std::string cid, user_id;
  std::int64_t last_read_seq = 0;
  int unread_count = 0;
  std::int64_t total_unread_count = 0;
  int unread_channels = 0;
};
/// notification.mark_read frame: {"type","cid","user":{"id"},"last_read_seq","unread_count",
/// "total_unread_count","unread_channels","created_at"}.
std::string mark_read_notification(const MarkRead& m, const std::string& created_at);

}  // namespace parley::protocol
