#include "parley/storage/event_repository.hpp"

#include "parley/storage/statements.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace parley::storage {

std::vector<std::pair<std::int64_t, std::string>> events_after(pqxx::connection& c, std::int64_t app_id,
                                                               const std::string& cid, std::int64_t after, int limit) {
  const auto colon = cid.find(':');
  if (colon == std::string::npos) return {};
  pqxx::nontransaction tx(c);  // one statement
  const auto rows =
      exec_statement(tx, Statement::events_after, app_id, cid.substr(0, colon), cid.substr(colon + 1), after, limit);
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
