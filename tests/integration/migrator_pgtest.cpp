#include "parley/storage/migrator.hpp"
#include "support/scratch_database.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <thread>

using namespace parley;

namespace {

int count(const std::string& url, const std::string& sql) {
  pqxx::connection c(url);
  pqxx::read_transaction tx(c);
  return tx.exec1(sql)[0].as<int>();
}

}  // namespace

TEST(Migrator, AppliesEveryEmbeddedMigrationOnceAndIsIdempotent) {
  test::ScratchDatabase db;
  const auto first = storage::apply_migrations(db.url());
  ASSERT_EQ(first.size(), storage::embedded_migrations().size());
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.front(), storage::embedded_migrations().front().version);
  EXPECT_EQ(count(db.url(), "SELECT count(*) FROM schema_migrations"), static_cast<int>(first.size()));
  EXPECT_EQ(count(db.url(), "SELECT count(*) FROM apps"), 0);  // the schema exists

  const auto second = storage::apply_migrations(db.url());
  EXPECT_TRUE(second.empty());
  EXPECT_EQ(count(db.url(), "SELECT count(*) FROM schema_migrations"), static_cast<int>(first.size()));
}

TEST(Migrator, AppliesOnlyNewMigrationsInOrder) {
  test::ScratchDatabase db;
  std::vector<storage::EmbeddedMigration> ms = {
      {"0001_a", "CREATE TABLE t_order (step int NOT NULL)"},
      {"0002_b", "INSERT INTO t_order VALUES (2)"},
  };
  EXPECT_EQ(storage::apply_migrations(db.url(), ms), (std::vector<std::string>{"0001_a", "0002_b"}));
  ms.push_back({"0003_c", "INSERT INTO t_order VALUES (3)"});
  EXPECT_EQ(storage::apply_migrations(db.url(), ms), (std::vector<std::string>{"0003_c"}));
  EXPECT_EQ(count(db.url(), "SELECT count(*) FROM t_order"), 2);
}

TEST(Migrator, AFailingMigrationLeavesNothingHalfApplied) {
  test::ScratchDatabase db;
  std::vector<storage::EmbeddedMigration> ms = {
      {"0001_ok", "CREATE TABLE t_ok (x int)"},
      {"0002_bad", "CREATE TABLE t_half (x int); SELECT * FROM no_such_table"},
  };
  EXPECT_THROW(storage::apply_migrations(db.url(), ms), std::exception);
  EXPECT_EQ(count(db.url(), "SELECT count(*) FROM schema_migrations"), 1);
  EXPECT_EQ(count(db.url(), "SELECT count(*) FROM pg_tables WHERE tablename = 't_half'"), 0);
  // The lock was released: a fixed migration set applies afterwards.
  ms[1].sql = "CREATE TABLE t_half (x int)";
  EXPECT_EQ(storage::apply_migrations(db.url(), ms), (std::vector<std::string>{"0002_bad"}));
}

TEST(Migrator, ConcurrentMigratorsApplyEachMigrationExactlyOnce) {
  test::ScratchDatabase db;
  // A slow first migration widens the race window; the counter table counts applications.
  std::vector<storage::EmbeddedMigration> ms = {
      {"0001_counter", "CREATE TABLE applied (n int); SELECT pg_sleep(0.3); INSERT INTO applied VALUES (1)"},
      {"0002_more", "INSERT INTO applied VALUES (2)"},
  };
  constexpr int kMigrators = 6;
  std::vector<std::thread> threads;
  std::atomic<int> applied_total{0};
  std::atomic<int> failures{0};
  for (int i = 0; i < kMigrators; ++i) {
    threads.emplace_back([&] {
      try {
        applied_total += static_cast<int>(storage::apply_migrations(db.url(), ms).size());
      } catch (const std::exception& e) {
        ++failures;
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(applied_total.load(), 2);
  EXPECT_EQ(count(db.url(), "SELECT count(*) FROM applied"), 2);
  EXPECT_EQ(count(db.url(), "SELECT count(*) FROM schema_migrations"), 2);
}
