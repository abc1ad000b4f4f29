#include "parley/storage/db_pool.hpp"
#include "support/scratch_database.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <future>
#include <thread>

using namespace parley;
namespace asio = boost::asio;

TEST(DbPool, RunsCallsOffTheIoThreadAndResumesOnIt) {
  test::ScratchDatabase db;
  storage::DbPool pool({db.url(), 2, 16, std::chrono::milliseconds(5000), std::chrono::milliseconds(5000)});
  asio::io_context io;
  const auto io_thread = std::this_thread::get_id();
  auto fut = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<std::pair<bool, bool>> {
        const auto worker = co_await pool.run([](pqxx::connection& c) {
          pqxx::read_transaction tx(c);
          tx.exec("SELECT 1");
          return std::this_thread::get_id();
        });
        co_return std::make_pair(worker != io_thread, std::this_thread::get_id() == io_thread);
      },
      asio::use_future);
  io.run();
  const auto [off_io, back_on_io] = fut.get();
  EXPECT_TRUE(off_io) << "the DB call must not run on the io thread";
  EXPECT_TRUE(back_on_io) << "the coroutine must resume on its own executor";
}

TEST(DbPool, ManyConcurrentCallsAllComplete) {
  test::ScratchDatabase db;
  storage::DbPool pool({db.url(), 4, 1000, std::chrono::milliseconds(5000), std::chrono::milliseconds(5000)});
  asio::io_context io;
  constexpr int kCalls = 200;
  std::atomic<int> sum{0};
  std::atomic<std::size_t> max_in_use{0};
  for (int i = 0; i < kCalls; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          const int v = co_await pool.run([i](pqxx::connection& c) {
            pqxx::read_transaction tx(c);
            return tx.exec1("SELECT " + std::to_string(i) + " + 1")[0].as<int>();
          });
          sum += v;
          max_in_use = std::max(max_in_use.load(), pool.stats().in_use);
        },
        asio::detached);
  }
  io.run();
  EXPECT_EQ(sum.load(), kCalls * (kCalls + 1) / 2);
  EXPECT_LE(max_in_use.load(), 4u);
  EXPECT_EQ(pool.stats().waiting, 0u);
}

TEST(DbPool, SaturatedQueueFailsFastWithDbUnavailable) {
  test::ScratchDatabase db;
  // One connection, a queue of two.
  storage::DbPool pool({db.url(), 1, 2, std::chrono::milliseconds(5000), std::chrono::milliseconds(5000)});
  asio::io_context io;
  std::atomic<int> ok{0}, unavailable{0};
  std::promise<void> release;
  auto released = release.get_future().share();
  auto spawn_blocked_call = [&] {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          try {
            auto blocked = [released](pqxx::connection&) {
              released.wait();
              return 1;
            };
            co_await pool.run(std::move(blocked));
            ++ok;
          } catch (const storage::DbUnavailable&) {
            ++unavailable;
          }
        },
        asio::detached);
  };
  // The first call occupies the only worker...
  spawn_blocked_call();
  io.poll();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pool.stats().in_use < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(pool.stats().in_use, 1u);
  // ...two more wait in the queue, and the next three are refused at once.
  for (int i = 0; i < 5; ++i) spawn_blocked_call();
  io.poll();
  EXPECT_EQ(pool.stats().waiting, 2u);
  EXPECT_EQ(unavailable.load(), 3) << "refused without waiting for the blocked worker";
  EXPECT_EQ(pool.stats().rejected, 3u);
  release.set_value();
  io.restart();
  io.run();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(unavailable.load(), 3);
}

TEST(DbPool, CallsThatWaitPastTheQueueTimeoutFailWithoutRunning) {
  test::ScratchDatabase db;
  // One connection; a call may wait at most 100 ms for it.
  storage::DbPool pool({db.url(), 1, 100, std::chrono::milliseconds(5000), std::chrono::milliseconds(5000),
                        std::chrono::milliseconds(100)});
  asio::io_context io;
  std::atomic<int> ran{0}, unavailable{0};
  auto spawn_call = [&](std::chrono::milliseconds hold) {
    asio::co_spawn(
        io,
        [&, hold]() -> asio::awaitable<void> {
          try {
            auto call = [&ran, hold](pqxx::connection&) {
              ++ran;
              std::this_thread::sleep_for(hold);
              return 1;
            };
            co_await pool.run(std::move(call));
          } catch (const storage::DbUnavailable&) {
            ++unavailable;
          }
        },
        asio::detached);
  };
  // The first call holds the only connection for 400 ms; the two queued behind it wait past 100 ms.
  spawn_call(std::chrono::milliseconds(400));
  spawn_call(std::chrono::milliseconds(0));
  spawn_call(std::chrono::milliseconds(0));
  io.run();
  EXPECT_EQ(ran.load(), 1) << "expired calls must not run";
  EXPECT_EQ(unavailable.load(), 2);
  EXPECT_EQ(pool.stats().expired, 2u);
  EXPECT_EQ(pool.stats().rejected, 0u) << "they were queued, not refused";
  // A call that does not wait runs normally afterwards.
  spawn_call(std::chrono::milliseconds(0));
  io.restart();
  io.run();
  EXPECT_EQ(ran.load(), 2);
}

TEST(DbPool, StatementTimeoutCancelsSlowQueries) {
  test::ScratchDatabase db;
  storage::DbPool pool({db.url(), 1, 8, std::chrono::milliseconds(200), std::chrono::milliseconds(5000)});
  asio::io_context io;
  auto fut = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<std::string> {
        try {
          co_await pool.run([](pqxx::connection& c) {
            pqxx::nontransaction tx(c);
            tx.exec("SELECT pg_sleep(5)");
          });
          co_return std::string("completed");
        } catch (const pqxx::sql_error& e) {
          co_return std::string("sql_error");
        }
      },
      asio::use_future);
  io.run();
  EXPECT_EQ(fut.get(), "sql_error") << "pg_sleep(5) must be cancelled by the 200 ms statement_timeout";
  // The worker's connection is still usable afterwards.
  asio::io_context io2;
  auto fut2 = asio::co_spawn(
      io2, pool.run([](pqxx::connection& c) {
        pqxx::read_transaction tx(c);
        return tx.exec1("SELECT 41 + 1")[0].as<int>();
      }),
      asio::use_future);
  io2.run();
  EXPECT_EQ(fut2.get(), 42);
}

TEST(DbPool, UnreachableDatabaseIsDbUnavailable) {
  storage::DbPool pool({"postgresql://postgres@127.0.0.1:1/none", 1, 8, std::chrono::milliseconds(1000),
                        std::chrono::milliseconds(1000)});
  asio::io_context io;
  auto fut = asio::co_spawn(io, pool.run([](pqxx::connection&) { return 1; }), asio::use_future);
  io.run();
  EXPECT_THROW(fut.get(), storage::DbUnavailable);
  EXPECT_GE(pool.stats().connect_failures, 1u);
}
