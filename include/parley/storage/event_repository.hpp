#pragma once
// The channel event log: written by every change of a channel (in the change's transaction), read
// back by the realtime feeds (gap fills, catch-up after a Redis reconnect) and by GET .../events and
// POST /v1/sync, and pruned by retention. Synchronous: runs inside a DbPool call.
#include "parley/storage/tx.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace parley::storage {

/// No permission check (internal): up to `limit` events of the app's channel `cid` ("type:id") after seq
/// `after`, in order, as (seq, JSON text) in the compact form live frames have.
std::vector<std::pair<std::int64_t, std::string>> events_after(Connection& c, std::int64_t app_id,
                                                               const std::string& cid, std::int64_t after, int limit);

/// Writes the event row of seq `seq` of the channel; `payload_json` is the event as JSON text.
void insert_channel_event(Tx& tx, std::int64_t channel_pk, std::int64_t seq, const std::string& type,
                          const std::string& payload_json);

/// The oldest seq still in the channel's log; nullopt when the log is empty.
std::optional<std::int64_t> oldest_event_seq(Tx& tx, std::int64_t channel_pk);

/// Up to `limit` payloads (JSON text, as stored) of the channel's events after seq `after`, in seq order.
std::vector<std::string> event_payloads_after(Tx& tx, std::int64_t channel_pk, std::int64_t after, int limit);

/// Takes the transaction-scoped advisory lock that lets one node prune at a time; false when another
/// transaction holds it (does not wait).
bool try_lock_event_pruning(Tx& tx);

/// Deletes, per channel, every event up to the newest seq created more than `retention_s` seconds ago
/// (a prefix of each log, never a hole); returns how many rows went.
std::size_t delete_events_past_retention(Tx& tx, std::uint64_t retention_s);

}  // namespace parley::storage
