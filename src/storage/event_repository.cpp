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

}  // namespace parley::storage
