#include "parley/protocol/message_events.hpp"


namespace parley::protocol {

namespace {

// {"type":<type>,"cid":<cid>,["seq":<seq>,]"message":<m>,"created_at":<m.created_at>}, serialized by nlohmann
// like every other frame: compact, keys sorted. A frame read back from the event log is re-serialized the same
// way (storage::events_after), so a watcher gets byte-identical frames live and after a gap fill.
std::string message_new_frame(const char* type, const std::string& cid, const std::int64_t* seq,
                              const nlohmann::json& message) {
  nlohmann::json frame = {{"type", type}, {"cid", cid}, {"message", message}, {"created_at", message["created_at"]}};
  if (seq) frame["seq"] = *seq;
  return frame.dump();
}

}  // namespace

nlohmann::json message_result(const Message& m) { return message_result(to_json(m)); }

nlohmann::json message_result(nlohmann::json message) { return {{"message", std::move(message)}}; }

nlohmann::json reaction_result(const Message& m, const Reaction& r) {
  return {{"message", to_json(m)}, {"reaction", to_json(r)}};
}

nlohmann::json message_page(const std::vector<Message>& messages, bool has_more) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : messages) list.push_back(to_json(m));
  return {{"messages", std::move(list)}, {"has_more", has_more}};
}

std::string message_new_event(const std::string& cid, std::int64_t seq, const nlohmann::json& message) {
  return message_new_frame("message.new", cid, &seq, message);
}

std::string message_new_event(const std::string& cid, std::int64_t seq, const Message& m) {
  return message_new_event(cid, seq, to_json(m));
}

std::string message_new_notification(const std::string& cid, const nlohmann::json& message) {
  return message_new_frame("notification.message_new", cid, nullptr, message);
}

std::string message_new_notification(const std::string& cid, const Message& m) {
  return message_new_notification(cid, to_json(m));
}

nlohmann::json message_updated_event(const std::string& cid, std::int64_t seq, const Message& m) {
  return {
      {"type", "message.updated"}, {"cid", cid}, {"seq", seq}, {"message", to_json(m)}, {"created_at", m.updated_at}};
}

nlohmann::json message_deleted_event(const std::string& cid, std::int64_t seq, const Message& m, bool hard) {
  return {{"type", "message.deleted"},  {"cid", cid},         {"seq", seq}, {"message", to_json(m)},
          {"created_at", m.updated_at}, {"hard_delete", hard}};
}

nlohmann::json reaction_event(const char* type, const std::string& cid, std::int64_t seq, const Message& m,
                              const Reaction& r) {
  return {{"type", type},
          {"cid", cid},
          {"seq", seq},
          {"message", to_json(m)},
          {"reaction", to_json(r)},
          {"user", {{"id", r.user_id}}},
          {"created_at", r.updated_at}};
}

nlohmann::json channel_result(const Channel& c) { return {{"channel", to_json(c)}}; }

nlohmann::json channel_updated_event(const Channel& c, std::int64_t seq) {
  return {{"type", "channel.updated"},
          {"cid", c.type + ":" + c.id},
          {"seq", seq},
          {"channel", to_json(c)},
          {"created_at", c.updated_at}};
}

}  // namespace parley::protocol
