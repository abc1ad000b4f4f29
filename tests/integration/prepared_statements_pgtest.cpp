// Every prepared statement of every repository against the real, migrated schema. The statements are
// prepared lazily in production (at their first use on each connection), so a statement that does not
// match the schema would otherwise fail only when its endpoint is first called. This suite links the
// whole core library (tests/CMakeLists.txt), so every repository's statements are registered.
#include "parley/storage/migrator.hpp"
#include "parley/storage/prepared.hpp"
#include "support/scratch_database.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <set>
#include <string>

using namespace parley;

TEST(PreparedStatements, EveryStatementPreparesAgainstTheMigratedSchema) {
  test::ScratchDatabase db;
  storage::apply_migrations(db.url());
  pqxx::connection c(db.url());
  const auto& all = storage::prepared_statements();
  // The repositories of channels, messages, reactions, members, users, apps, types, events and sends.
  EXPECT_GE(all.size(), 40u) << "fewer statements registered than the repositories define";
  int n = 0;
  for (const auto* p : all) {
    pqxx::nontransaction tx(c);
    try {
      tx.exec("PREPARE parley_check_" + std::to_string(n++) + " AS " + std::string(p->sql()));
    } catch (const std::exception& e) {
      ADD_FAILURE() << p->name() << ": " << e.what();
    }
  }
}

TEST(PreparedStatements, NamesAreUniqueAndEveryStatementIsCounted) {
  std::set<std::string> names;
  for (const auto* p : storage::prepared_statements()) {
    EXPECT_TRUE(names.insert(p->name()).second) << p->name();
    EXPECT_FALSE(std::string(p->sql()).empty()) << p->name();
  }
  test::ScratchDatabase db;
  storage::apply_migrations(db.url());
  pqxx::connection c(db.url());
  storage::prepare_statements(c);
  const auto* events_after = [] {
    for (const auto* p : storage::prepared_statements()) {
      if (std::string(p->name()) == "events_after") return p;
    }
    return static_cast<const storage::Prepared*>(nullptr);
  }();
  ASSERT_NE(events_after, nullptr);
  const auto before = events_after->count();
  pqxx::nontransaction tx(c);
  const auto rows = (*events_after)(tx, 1, "messaging", "none", 0, 10);
  EXPECT_TRUE(rows.empty());
  EXPECT_EQ(events_after->count(), before + 1);
}
