#include "parley/protocol/event_page.hpp"

namespace parley::protocol {

namespace {

nlohmann::json parsed_events(const std::vector<std::string>& events_json) {
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : events_json) events.push_back(nlohmann::json::parse(e));
  return events;
}

}  // namespace

nlohmann::json to_json(const EventPage& page) {
  return {{"events", parsed_events(page.events_json)}, {"has_more", page.has_more}};
}

nlohmann::json sync_result(const SyncChannels& channels) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [cid, result] : channels) {
    if (const auto* error = std::get_if<ApiError>(&result)) {
      out[cid] = error->to_json();
    } else {
      out[cid] = to_json(std::get<EventPage>(result));
    }
  }
  return {{"channels", std::move(out)}};
}

nlohmann::json watch_snapshot(WatchSnapshot snapshot) {
  return {{"state", std::move(snapshot.state)},
          {"last_seq", snapshot.last_seq},
          {"recovered", snapshot.recovered},
          {"events", parsed_events(snapshot.events_json)},
          {"switches", std::move(snapshot.switches)},
          {"read_needs_membership", snapshot.read_needs_membership}};
}

}  // namespace parley::protocol
