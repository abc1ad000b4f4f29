#include "parley/protocol/channel_events.hpp"

namespace parley::protocol {

namespace {

nlohmann::json text_or_null(const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(); }

std::string cid_of(const Channel& c) { return c.type + ":" + c.id; }

}  // namespace

nlohmann::json to_json(const ChannelState& s) { return to_json(ChannelState(s)); }

nlohmann::json to_json(ChannelState&& s) {
  nlohmann::json members = nlohmann::json::array();
  nlohmann::json read = nlohmann::json::array();
  for (const auto& m : s.members) {
    members.push_back(state_member_json(m));
    read.push_back(read_mark_json(m));
  }
  return {{"channel", std::move(s.channel)},
          {"members", std::move(members)},
          {"messages", std::move(s.messages)},
          {"read", std::move(read)}};
}

nlohmann::json channel_list_page(std::vector<ChannelListEntry> channels, const std::optional<std::string>& next) {
  nlohmann::json list = nlohmann::json::array();
  for (auto& c : channels) {
    auto state = to_json(std::move(c.state));
    state["unread_count"] = c.unread_count;
    state["membership"] = to_json(c.membership);
    list.push_back(std::move(state));
  }
  return {{"channels", std::move(list)}, {"next", text_or_null(next)}};
}

std::string history_page(const std::vector<Message>& messages, bool has_more) {
  std::string text = "{\"messages\":[";
  text.reserve(256 + messages.size() * 512);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) text.push_back(',');
    append_json(text, messages[i]);
  }
  text.append("],\"has_more\":").append(has_more ? "true" : "false").append("}");
  return text;
}

nlohmann::json members_page(const std::vector<Member>& members, const std::optional<std::string>& next) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : members) list.push_back(to_json(m));
  return {{"members", std::move(list)}, {"next", text_or_null(next)}};
}

nlohmann::json members_result(const std::vector<Member>& members, std::int64_t last_seq) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : members) list.push_back(to_json(m));
  return {{"members", std::move(list)}, {"last_seq", last_seq}};
}

nlohmann::json delete_result(const nlohmann::json& channel, bool hard) {
  return {{"channel", channel}, {"hard_delete", hard}};
}

nlohmann::json truncate_result(const Channel& c, std::int64_t removed_messages) {
  return {{"channel", to_json(c)}, {"removed_messages", removed_messages}};
}

nlohmann::json membership_result(const std::string& cid, const Membership& m) {
  return {{"cid", cid}, {"membership", to_json(m)}};
}

nlohmann::json channel_deleted_event(const Channel& c, std::int64_t seq, const std::string& deleted_at) {
  return {{"type", "channel.deleted"},
          {"cid", cid_of(c)},
          {"seq", seq},
          {"channel", deleted_channel_json(c, deleted_at)},
          {"created_at", deleted_at}};
}

nlohmann::json channel_truncated_event(const Channel& c, std::int64_t seq) {
  return {{"type", "channel.truncated"},
          {"cid", cid_of(c)},
          {"seq", seq},
          {"channel", to_json(c)},
          {"created_at", c.updated_at}};
}

nlohmann::json member_event(const char* type, const std::string& cid, std::int64_t seq, const Member& m,
                            const std::string& created_at) {
  return {{"type", type}, {"cid", cid}, {"seq", seq}, {"member", to_json(m)}, {"created_at", created_at}};
}

std::string added_to_channel_notification(const nlohmann::json& channel, const nlohmann::json& member,
                                          const std::string& created_at) {
  return nlohmann::json{{"type", "notification.added_to_channel"},
                        {"cid", channel["cid"]},
                        {"channel", channel},
                        {"member", member},
                        {"created_at", created_at}}
      .dump();
}

std::string removed_from_channel_notification(const nlohmann::json& channel, const std::string& user_id,
                                              const std::string& created_at) {
  return nlohmann::json{{"type", "notification.removed_from_channel"},
                        {"cid", channel["cid"]},
                        {"channel", channel},
                        {"member", {{"user_id", user_id}}},
                        {"created_at", created_at}}
      .dump();
}

std::string mark_read_notification(const MarkRead& m, const std::string& created_at) {
  return nlohmann::json{{"type", "notification.mark_read"},     {"cid", m.cid},
                        {"user", {{"id", m.user_id}}},          {"last_read_seq", m.last_read_seq},
                        {"unread_count", m.unread_count},       {"total_unread_count", m.total_unread_count},
                        {"unread_channels", m.unread_channels}, {"created_at", created_at}}
      .dump();
}

}  // namespace parley::protocol
