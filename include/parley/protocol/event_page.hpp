#pragma once
// The envelopes of the event log read back: a page of events (GET .../events),
// the per-channel result of POST /v1/sync, and the snapshot a WebSocket `watch`
// starts from. Events are the stored JSON text, passed through as they are.
#include "parley/protocol/api_error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace parley::protocol {

/// The events of one channel after a seq, in order; each one the JSON text of the event log.
struct EventPage {
  std::vector<std::string> events_json;
  bool has_more = false;
};

/// {"events": [...], "has_more"}.
nlohmann::json to_json(const EventPage& page);

/// Each asked channel of a sync, in the order asked: its page, or why not.
using SyncChannels = std::vector<std::pair<std::string, std::variant<EventPage, ApiError>>>;
/// {"channels": {cid: {"events", "has_more"} or {"error": {...}}}}.
nlohmann::json sync_result(const SyncChannels& channels);

/// What a `watch` starts from: the channel state (as GET renders it) and the missed events.
struct WatchSnapshot {
  nlohmann::json state;  // {"channel", "members", "messages", "read", ...} as read_channel_state renders it
  std::int64_t last_seq = 0;
  bool recovered = true;                                // false: past the retention or too far behind
  std::vector<std::string> events_json;                 // the events after the client's seq (when recovered)
  nlohmann::json switches = nlohmann::json::object();   // the channel type's switches
  bool read_needs_membership = true;                    // the caller reads only as a member
};
/// {"state", "last_seq", "recovered", "events", "switches", "read_needs_membership"} (moves the state out).
nlohmann::json watch_snapshot(WatchSnapshot snapshot);

}  // namespace parley::protocol
