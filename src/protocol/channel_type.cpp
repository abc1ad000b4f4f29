#include "parley/protocol/channel_type.hpp"

namespace parley::protocol {

nlohmann::json to_json(const ChannelType& t) {
  const auto text_or_null = [](const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(); };
  nlohmann::json j = {{"name", t.name}, {"built_in", t.built_in}, {"grants", t.grants}};
  j.update(t.switches);
  j["created_at"] = text_or_null(t.created_at);
  j["updated_at"] = text_or_null(t.updated_at);
  return j;
}

nlohmann::json channel_type_result(const ChannelType& t) { return {{"channel_type", to_json(t)}}; }

nlohmann::json channel_type_list(const std::vector<ChannelType>& types) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& t : types) out[t.name] = to_json(t);
  return {{"channel_types", std::move(out)}};
}

}  // namespace parley::protocol
