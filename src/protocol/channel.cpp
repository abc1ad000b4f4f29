#include "parley/protocol/channel.hpp"

namespace parley::protocol {

nlohmann::json to_json(const Channel& c) {
  const auto text_or_null = [](const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(); };
  return {{"cid", c.type + ":" + c.id},
          {"type", c.type},
          {"id", c.id},
          {"name", text_or_null(c.name)},
          {"custom", nlohmann::json::parse(c.custom_json)},
          {"created_by", text_or_null(c.created_by)},
          {"frozen", c.frozen},
          {"cooldown_s", c.cooldown_s},
          {"last_seq", c.last_seq},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at},
          {"last_message_at", text_or_null(c.last_message_at)}};
}

nlohmann::json deleted_channel_json(const Channel& c, const std::string& deleted_at) {
  auto channel = to_json(c);
  channel["deleted_at"] = deleted_at;
  return channel;
}

nlohmann::json purged_channel_json(const std::string& type, const std::string& id, const std::string& deleted_at) {
  return {{"cid", type + ":" + id}, {"type", type}, {"id", id}, {"deleted_at", deleted_at}};
}

}  // namespace parley::protocol
