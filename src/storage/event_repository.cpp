#include "parley/storage/event_repository.hpp"

#include "parley/storage/prepared.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace parley::storage {

namespace {

// A channel's events after a seq, for the realtime feeds ($1 app, $2 type, $3 id, $4 seq, $5 limit).
const Prepared kEventsAfter{"events_after",
                            "SELECT e.seq, e.payload::text FROM channel_events e JOIN channels c ON c.pk = e.channel_pk "
       "WHERE c.app_id = $1 AND c.type = $2 AND c.id = $3 AND e.seq > $4 ORDER BY e.seq LIMIT $5"};

// Arbitrary, fixed: the advisory lock that lets one node prune at a time.
constexpr std::int64_t kPruneLockKey = 0x7061726c65790001;  // "parley" + 1

const Prepared kEventInsert{"event_insert",
                            "INSERT INTO channel_events (channel_pk, seq, type, payload) VALUES ($1, $2, $3, $4::jsonb)"};
const Prepared kEventOldestSeq{"event_oldest_seq", "SELECT min(seq) FROM channel_events WHERE channel_pk = $1"};
const Prepared kEventPayloadsAfter{"event_payloads_after",
                                   "SELECT payload::text FROM channel_events WHERE channel_pk = $1 AND seq > $2 "
                                   "ORDER BY seq LIMIT $3"};
const Prepared kEventPruneLock{"event_prune_lock", "SELECT pg_try_advisory_xact_lock($1::bigint)"};
// Per channel, everything up to the newest seq that is past the retention ($1 seconds): a prefix, never a hole.
const Prepared kEventPrune{"event_prune",
                           "DELETE FROM channel_events e USING (SELECT channel_pk, max(seq) AS upto FROM channel_events "
                           "WHERE created_at < now() - interval '1 second' * $1 GROUP BY channel_pk) old "
                           "WHERE e.channel_pk = old.channel_pk AND e.seq <= old.upto"};

}  // namespace

std::vector<std::pair<std::int64_t, std::string>> events_after(Connection& c, std::int64_t app_id,
                                                               const std::string& cid, std::int64_t after, int limit) {
  const auto colon = cid.find(':');
  if (colon == std::string::npos) return {};
  Tx tx(c, TxKind::autocommit);  // one statement
  const auto rows = kEventsAfter(tx, app_id, cid.substr(0, colon), cid.substr(colon + 1), after, limit);
  std::vector<std::pair<std::int64_t, std::string>> events;
  events.reserve(rows.size());
  // jsonb prints as {"type": "..."}: re-serialize compactly (here, on the database thread), so a frame filled
  // from PostgreSQL is byte for byte what the live event was.
  for (const auto& r : rows) {
    auto payload = nlohmann::json::parse(r[1].c_str(), nullptr, false);
    events.emplace_back(r[0].as<std::int64_t>(), payload.is_discarded() ? std::string(r[1].c_str()) : payload.dump());
  }
  return events;
}

void insert_channel_event(Tx& tx, std::int64_t channel_pk, std::int64_t seq, const std::string& type,
                          const std::string& payload_json) {
  kEventInsert(tx, channel_pk, seq, type, payload_json);
}

std::optional<std::int64_t> oldest_event_seq(Tx& tx, std::int64_t channel_pk) {
  const auto rows = kEventOldestSeq(tx, channel_pk);  // one row; NULL when the log is empty
  if (rows.empty() || rows[0][0].is_null()) return std::nullopt;
  return rows[0][0].as<std::int64_t>();
}

std::vector<std::string> event_payloads_after(Tx& tx, std::int64_t channel_pk, std::int64_t after, int limit) {
  const auto rows = kEventPayloadsAfter(tx, channel_pk, after, limit);
  std::vector<std::string> payloads;
  payloads.reserve(rows.size());
  for (const auto& r : rows) payloads.emplace_back(r[0].c_str());
  return payloads;
}

bool try_lock_event_pruning(Tx& tx) { return kEventPruneLock(tx, kPruneLockKey).at(0).at(0).as<bool>(); }

std::size_t delete_events_past_retention(Tx& tx, std::uint64_t retention_s) {
  return static_cast<std::size_t>(kEventPrune(tx, retention_s).affected_rows());
}

}  // namespace parley::storage
