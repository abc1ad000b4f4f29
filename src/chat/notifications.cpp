#include "parley/chat/notifications.hpp"

#include "parley/chat/channel_event.hpp"
#include "parley/protocol/timestamp.hpp"

namespace parley::chat {

namespace {

void record_for_user(Changes& changes, const std::string& user_id, const nlohmann::json& event) {
  if (user_id.empty()) return;
  changes.record(user_control_cid(user_id), 0, event.dump());
}

}  // namespace

void notify_added_to_channel(Changes& changes, const nlohmann::json& channel, const nlohmann::json& member) {
  record_for_user(changes, member.value("user_id", ""), {{"type", "notification.added_to_channel"},
                                                {"cid", channel["cid"]},
                                                {"channel", channel},
                                                {"member", member},
                                                {"created_at", protocol::now_timestamp()}});
}

void notify_added_to_channel(Changes& changes, const nlohmann::json& channel,
                             const std::vector<nlohmann::json>& members, const std::string& actor) {
  for (const auto& m : members) {
    if (m.value("user_id", "") != actor) notify_added_to_channel(changes, channel, m);
  }
}

void notify_removed_from_channel(Changes& changes, const nlohmann::json& channel, const std::string& user_id) {
  record_for_user(changes, user_id, {{"type", "notification.removed_from_channel"},
                            {"cid", channel["cid"]},
                            {"channel", channel},
                            {"member", {{"user_id", user_id}}},
                            {"created_at", protocol::now_timestamp()}});
}

void notify_mark_read(Changes& changes, const std::string& cid, const std::string& user_id, std::int64_t last_read_seq,
                      int unread_count, const UnreadTotals& totals) {
  record_for_user(changes, user_id, {{"type", "notification.mark_read"},
                            {"cid", cid},
                            {"user", {{"id", user_id}}},
                            {"last_read_seq", last_read_seq},
                            {"unread_count", unread_count},
                            {"total_unread_count", totals.total_unread_count},
                            {"unread_channels", totals.unread_channels},
                            {"created_at", protocol::now_timestamp()}});
}

}  // namespace parley::chat
