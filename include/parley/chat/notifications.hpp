#pragma once
// notification.* events for one user's connections (API.md section 6): recorded in
// the current EventCapture on the user's control key ("@user:<id>"), so they are
// published only after the caller's commit and reach every connection of that user
// on every node; a connection that watches the channel drops them (it has the
// channel's own event). None of them has a seq or is stored in the event log.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace parley::chat {

/// notification.added_to_channel to `member["user_id"]`: {"cid","channel","member","created_at"}.
/// `channel` is the channel object as GET /v1/channels/{type}/{id} returns it under "channel".
void notify_added_to_channel(const nlohmann::json& channel, const nlohmann::json& member);
/// The same for each added member except `actor` (the user who made the change: they have the answer).
void notify_added_to_channel(const nlohmann::json& channel, const std::vector<nlohmann::json>& members,
                             const std::string& actor);

/// notification.removed_from_channel to `user_id`: {"cid","channel","member":{"user_id"},"created_at"}.
void notify_removed_from_channel(const nlohmann::json& channel, const std::string& user_id);

/// The unread totals of a user after a read mark, as GET /v1/me counts them.
struct UnreadTotals {
  long long total_unread_count = 0;
  int unread_channels = 0;
};

/// notification.mark_read to `user_id`'s connections that do not watch `cid`:
/// {"cid","user":{"id"},"last_read_seq","unread_count","total_unread_count","unread_channels","created_at"}.
void notify_mark_read(const std::string& cid, const std::string& user_id, std::int64_t last_read_seq,
                      int unread_count, const UnreadTotals& totals);

}  // namespace parley::chat
