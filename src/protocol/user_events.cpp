#include "parley/protocol/user_events.hpp"

namespace parley::protocol {

nlohmann::json mark_read_result(const std::string& cid, const std::string& user_id, std::int64_t last_read_seq,
                                int unread_count) {
  return {{"read", {{"cid", cid}, {"user_id", user_id}, {"last_read_seq", last_read_seq}}},
          {"unread_count", unread_count}};
}

std::string message_read_event(const std::string& cid, const std::string& user_id, std::int64_t last_read_seq,
                               const std::string& created_at) {
  const nlohmann::json event = {{"type", "message.read"},
                                {"cid", cid},
                                {"user", {{"id", user_id}}},
                                {"last_read_seq", last_read_seq},
                                {"created_at", created_at}};
  return event.dump();
}

std::string access_revoked_event(std::optional<std::int64_t> before_s) {
  std::string frame = R"({"type":"access.revoked","before_s":)";
  frame.append(before_s ? std::to_string(*before_s) : std::string("null")).push_back('}');
  return frame;
}

}  // namespace parley::protocol
