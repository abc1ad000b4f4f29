#include "parley/protocol/message.hpp"

#include "parley/protocol/json_text.hpp"

namespace parley::protocol {

namespace {

nlohmann::json text_or_null(const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(); }

}  // namespace

nlohmann::json to_json(const Message& m) {
  const bool deleted = m.deleted_at.has_value();
  return {{"id", m.id},
          {"cid", m.cid},
          {"seq", m.seq},
          {"type", m.type},
          {"user", {{"id", m.user_id}}},
          {"text", deleted ? std::string() : m.text},
          {"attachments", nlohmann::json::parse(m.attachments_json)},
          {"parent_id", text_or_null(m.parent_id)},
          {"show_in_channel", m.show_in_channel},
          {"reply_count", m.reply_count},
          {"mentioned_users", nlohmann::json::parse(m.mentioned_users_json)},
          {"reaction_counts", nlohmann::json::parse(m.reaction_counts_json)},
          {"own_reactions", nlohmann::json::parse(m.own_reactions_json)},
          {"pinned", m.pinned},
          {"silent", m.silent},
          {"custom", nlohmann::json::parse(m.custom_json)},
          {"created_at", m.created_at},
          {"updated_at", m.updated_at},
          {"deleted_at", text_or_null(m.deleted_at)}};
}

void append_json(std::string& out, const Message& m) {
  const bool deleted = m.deleted_at.has_value();
  const auto boolean = [](bool b) { return b ? "true" : "false"; };
  const auto text_or_null_into = [&out](const std::optional<std::string>& s) {
    if (s) {
      append_json_string(out, *s);
    } else {
      out.append("null");
    }
  };
  out.append("{\"id\":");
  append_json_string(out, m.id);
  out.append(",\"cid\":");
  append_json_string(out, m.cid);
  out.append(",\"seq\":").append(std::to_string(m.seq));
  out.append(",\"type\":");
  append_json_string(out, m.type);
  out.append(",\"user\":{\"id\":");
  append_json_string(out, m.user_id);
  out.append("},\"text\":");
  append_json_string(out, deleted ? std::string_view() : std::string_view(m.text));
  out.append(",\"attachments\":").append(m.attachments_json);
  out.append(",\"parent_id\":");
  text_or_null_into(m.parent_id);
  out.append(",\"show_in_channel\":").append(boolean(m.show_in_channel));
  out.append(",\"reply_count\":").append(std::to_string(m.reply_count));
  out.append(",\"mentioned_users\":").append(m.mentioned_users_json);
  out.append(",\"reaction_counts\":").append(m.reaction_counts_json);
  out.append(",\"own_reactions\":").append(m.own_reactions_json);
  out.append(",\"pinned\":").append(boolean(m.pinned));
  out.append(",\"silent\":").append(boolean(m.silent));
  out.append(",\"custom\":").append(m.custom_json);
  out.append(",\"created_at\":");
  append_json_string(out, m.created_at);
  out.append(",\"updated_at\":");
  append_json_string(out, m.updated_at);
  out.append(",\"deleted_at\":");
  text_or_null_into(m.deleted_at);
  out.push_back('}');
}

void set_reactions(nlohmann::json& message, const std::string& reaction_counts_json,
                   const std::string& own_reactions_json) {
  message["reaction_counts"] = nlohmann::json::parse(reaction_counts_json);
  message["own_reactions"] = nlohmann::json::parse(own_reactions_json);
}


}  // namespace parley::protocol
