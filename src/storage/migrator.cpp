#include "parley/storage/migrator.hpp"

#include <pqxx/pqxx>

#include <set>

namespace parley::storage {
namespace {
// Arbitrary but fixed: every parley process takes this advisory lock to migrate.
constexpr long long kMigrationLockId = 0x7061726c6579;  // "parley"
}  // namespace

std::vector<std::string> apply_migrations(const std::string& database_url,
                                          const std::vector<EmbeddedMigration>& migrations) {
  pqxx::connection conn(database_url);
  {
    pqxx::nontransaction tx(conn);
    tx.exec("SET client_min_messages = warning");
    tx.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockId) + ")");
  }
  std::vector<std::string> applied;
  try {
    {
      pqxx::work tx(conn);
      tx.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version text PRIMARY KEY,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
      tx.commit();
    }
    std::set<std::string> done;
    {
      pqxx::read_transaction tx(conn);
      for (const auto& row : tx.exec("SELECT version FROM schema_migrations")) done.insert(row[0].c_str());
    }
    for (const auto& m : migrations) {
      if (done.count(m.version) != 0) continue;
      pqxx::work tx(conn);
      tx.exec(m.sql);
      tx.exec("INSERT INTO schema_migrations (version) VALUES (" + tx.quote(m.version) + ")");
      tx.commit();
      applied.push_back(m.version);
    }
  } catch (...) {
    pqxx::nontransaction tx(conn);
    tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockId) + ")");
    throw;
  }
  pqxx::nontransaction tx(conn);
  tx.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockId) + ")");
  return applied;
}

}  // namespace parley::storage
