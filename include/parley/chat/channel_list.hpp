#pragma once
// The channel list (GET /v1/channels, API.md section 5) and the channel state
// rendering it shares with distinct channels: a page of channels with their
// members, last messages and read marks, plus the listing member's unread
// count and own membership, in a fixed number of queries (no query per channel).
// Synchronous: runs inside a DbPool call.
#include "parley/chat/outcome.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/channel_events.hpp"
#include "parley/protocol/member.hpp"
#include "parley/storage/member_repository.hpp"


#include <map>
#include <string>
#include <vector>

namespace parley::chat {

/// Page size of the channel list.
inline constexpr int kChannelListDefault = 25;
inline constexpr int kChannelListMax = 100;

/// The state of each channel, in order, as PUT /v1/channels/{type}/{id} answers it (protocol::to_json):
/// members up to 100, oldest first; messages the last 25 of the channel view, ascending, without
/// reactions (attach_reactions fills them). Three queries whatever the number of channels.
std::vector<protocol::ChannelState> channel_states(storage::Tx& tx, const std::vector<ChannelRow>& channels);

/// The API's member of a stored member row.
protocol::Member to_member(const storage::MemberRecord& m);
/// The API's membership of a stored membership row.
protocol::Membership to_membership(const storage::MembershipRecord& m);

/// GET /v1/channels?type=&member=&sort=last_message_at|created_at&limit=&next=
/// -> {"channels":[state + "unread_count" + "membership"], "next"}: the member's channels (hidden
/// ones left out), newest first, ties broken by channel pk; `next` is an opaque cursor or null.
Outcome list_channels(Connection& c, const Caller& caller, const std::map<std::string, std::string>& query);

}  // namespace parley::chat
