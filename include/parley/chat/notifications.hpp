#pragma once
// notification.* events for one user's connections (API.md section 6): recorded in
// the operation's Changes on the user's control key ("@user:<id>"), so they are
// published only after the caller's commit and reach every connection of that user
// on every node; a connection that watches the channel drops them (it has the
// channel's own event). None of them has a seq or is stored in the event log.
#include "parley/chat/channel_event.hpp"
#include "parley/storage/me_repository.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace parley::chat {

/// notification.added_to_channel to `member["user_id"]`: {"cid","channel","member","created_at"}.
/// `channel` is the channel object as GET /v1/channels/{type}/{id} returns it under "channel".
void notify_added_to_channel(Changes& changes, const nlohmann::json& channel, const nlohmann::json& member);
/// The same for each added member except `actor` (the user who made the change: they have the answer).
void notify_added_to_channel(Changes& changes, const nlohmann::json& channel,
                             const std::vector<nlohmann::json>& members, const std::string& actor);

/// notification.removed_from_channel to `user_id`: {"cid","channel","member":{"user_id"},"created_at"}.
void notify_removed_from_channel(Changes& changes, const nlohmann::json& channel, const std::string& user_id);

/// The unread totals of a user after a read mark, as GET /v1/me counts them.
using UnreadTotals = storage::UnreadTotals;

/// notification.mark_read to `user_id`'s connections that do not watch `cid`:
/// {"cid","user":{"id"},"last_read_seq","unread_count","total_unread_count","unread_channels","created_at"}.
void notify_mark_read(Changes& changes, const std::string& cid, const std::string& user_id, std::int64_t last_read_seq,
                      int unread_count, const UnreadTotals& totals);

}  // namespace parley::chat
