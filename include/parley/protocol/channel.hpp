#pragma once
// The channel object of the API and its rendering: one shape for REST bodies,
// WebSocket acks and events.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace parley::protocol {

/// A channel as the API shows it. `custom_json` is JSON text (an object).
struct Channel {
  std::string type, id;  // cid is "type:id"
  std::optional<std::string> name;
  std::string custom_json = "{}";
  std::optional<std::string> created_by;
  bool frozen = false;
  int cooldown_s = 0;
  std::int64_t last_seq = 0;
  std::string created_at, updated_at;
  std::optional<std::string> last_message_at;
};

nlohmann::json to_json(const Channel& c);
/// The channel object of a deleted channel: to_json(c) with "deleted_at".
nlohmann::json deleted_channel_json(const Channel& c, const std::string& deleted_at);
/// What is left to show of a purged channel (no row any more): {"cid","type","id","deleted_at"}.
nlohmann::json purged_channel_json(const std::string& type, const std::string& id, const std::string& deleted_at);

}  // namespace parley::protocol
