#pragma once
// The per-channel event log read back: GET .../events, POST /v1/sync, and
// retention (API.md section 5, "Ordering, history and recovery").
//
// Retention deletes a prefix of each channel's log (every event up to the
// newest seq older than the retention), never a seq in the middle, so the
// retained events of a channel are always seq min..last_seq. A position
// after_seq is answerable iff after_seq >= min - 1 (or there is nothing after
// it); otherwise the events in between are gone: 410 gone.
#include "parley/chat/outcome.hpp"


#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>
#include <string>

namespace parley::chat {

inline constexpr std::size_t kMaxSyncChannels = 100;

/// GET /v1/channels/{type}/{id}/events?after_seq=&limit= (limit default 100, max 1000).
Outcome list_events(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                    const std::map<std::string, std::string>& query);

/// POST /v1/sync {"channels":{cid: after_seq}, "limit"?} -> {"channels":{cid: {"events","has_more"} or
/// {"error": envelope body}}}: every channel read in one snapshot; one channel's error does not fail the rest.
Outcome sync_events(Connection& c, const Caller& caller, const nlohmann::json& body);

/// The replay of a WebSocket `watch` (needs read_channel): the channel state (as GET) and, when `after`
/// is given, the events after it (at most kMaxReplay; more, or past the retention: "recovered": false and
/// no events). Reply body: {"state", "last_seq", "recovered", "events":[...]}.
inline constexpr int kMaxReplay = 1000;
Outcome watch_channel(Connection& c, const Caller& caller, const std::string& cid,
                      std::optional<std::int64_t> after);

/// Deletes events older than retention_s (a prefix per channel); returns how many. One node at a time
/// (transaction-scoped advisory lock); the others skip.
std::size_t prune_events(Connection& c, std::uint64_t retention_s);

}  // namespace parley::chat
