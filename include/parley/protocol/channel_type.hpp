#pragma once
// The channel type object of the API (POST/PATCH/GET /v1/channel_types): name,
// grants per role and every switch with its value.
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace parley::protocol {

/// A channel type as it applies in one app.
struct ChannelType {
  std::string name;
  bool built_in = false;
  std::map<std::string, std::vector<std::string>> grants;  // role -> actions (every role listed)
  nlohmann::json switches = nlohmann::json::object();      // {switch: value}, spliced into the object
  std::optional<std::string> created_at, updated_at;       // none for a built-in without a stored row
};

/// {"name", "built_in", "grants", ...switches, "created_at", "updated_at"} (times null when none).
nlohmann::json to_json(const ChannelType& t);
/// {"channel_type": type}.
nlohmann::json channel_type_result(const ChannelType& t);
/// {"channel_types": {name: type}}; a repeated name keeps its last type.
nlohmann::json channel_type_list(const std::vector<ChannelType>& types);

}  // namespace parley::protocol
