#include "parley/chat/message_render.hpp"

#include "parley/protocol/json_text.hpp"

namespace parley::chat {

using protocol::append_json_string;

void append_message_json(std::string& out, const storage::MessageRow& m, std::string_view cid,
                         std::string_view reaction_counts, std::string_view own_reactions) {
  const bool deleted = m.deleted_at.has_value();
  const auto boolean = [](bool b) { return b ? "true" : "false"; };
  out.append("{\"id\":");
  append_json_string(out, m.id);
  out.append(",\"cid\":");
  append_json_string(out, cid);
  out.append(",\"seq\":").append(std::to_string(m.seq));
  out.append(",\"type\":");
  append_json_string(out, m.type);
  out.append(",\"user\":{\"id\":");
  append_json_string(out, m.user_id);
  out.append("},\"text\":");
  append_json_string(out, deleted ? std::string_view() : std::string_view(m.text));
  out.append(",\"attachments\":").append(m.attachments_json);
  out.append(",\"parent_id\":");
  if (m.parent_id) {
    append_json_string(out, *m.parent_id);
  } else {
    out.append("null");
  }
  out.append(",\"show_in_channel\":").append(boolean(m.show_in_channel));
  out.append(",\"reply_count\":").append(std::to_string(m.reply_count));
  out.append(",\"mentioned_users\":").append(m.mentioned_users_json);
  out.append(",\"reaction_counts\":").append(reaction_counts);
  out.append(",\"own_reactions\":").append(own_reactions);
  out.append(",\"pinned\":").append(boolean(m.pinned));
  out.append(",\"silent\":").append(boolean(m.silent));
  out.append(",\"custom\":").append(m.custom_json);
  out.append(",\"created_at\":");
  append_json_string(out, m.created_at);
  out.append(",\"updated_at\":");
  append_json_string(out, m.updated_at);
  out.append(",\"deleted_at\":");
  if (deleted) {
    append_json_string(out, *m.deleted_at);
  } else {
    out.append("null");
  }
  out.push_back('}');
}

}  // namespace parley::chat
