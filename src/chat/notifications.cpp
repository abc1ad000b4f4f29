#include "parley/chat/notifications.hpp"

#include "parley/chat/channel_event.hpp"
#include "parley/protocol/channel_events.hpp"
#include "parley/protocol/timestamp.hpp"

namespace parley::chat {

namespace {

void record_for_user(Changes& changes, const std::string& user_id, std::string frame) {
  if (user_id.empty()) return;
  changes.record(user_control_cid(user_id), 0, std::move(frame));
}

}  // namespace

void notify_added_to_channel(Changes& changes, const nlohmann::json& channel, const nlohmann::json& member) {
  const auto user_id = member.value("user_id", "");
  if (user_id.empty()) return;
  record_for_user(changes, user_id,
                  protocol::added_to_channel_notification(channel, member, protocol::now_timestamp()));
}

void notify_added_to_channel(Changes& changes, const nlohmann::json& channel,
                             const std::vector<nlohmann::json>& members, const std::string& actor) {
  for (const auto& m : members) {
    if (m.value("user_id", "") != actor) notify_added_to_channel(changes, channel, m);
  }
}

void notify_removed_from_channel(Changes& changes, const nlohmann::json& channel, const std::string& user_id) {
  if (user_id.empty()) return;
  record_for_user(changes, user_id,
                  protocol::removed_from_channel_notification(channel, user_id, protocol::now_timestamp()));
}

void notify_mark_read(Changes& changes, const std::string& cid, const std::string& user_id, std::int64_t last_read_seq,
                      int unread_count, const UnreadTotals& totals) {
  if (user_id.empty()) return;
  record_for_user(changes, user_id,
                  protocol::mark_read_notification(
                      {cid, user_id, last_read_seq, unread_count, totals.total_unread_count, totals.unread_channels},
                      protocol::now_timestamp()));
}

}  // namespace parley::chat
