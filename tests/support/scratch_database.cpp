#include "support/scratch_database.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <pqxx/pqxx>
#include <random>

#include "support/database_url.hpp"
#include "support/test_env.hpp"

namespace parley::test {
namespace {

std::string unique_database_name() {
  static std::atomic<int> counter{0};
  std::random_device random;
  const unsigned suffix = random() & 0xffffffU;
  char hex[8];
  std::snprintf(hex, sizeof(hex), "%06x", suffix);
  return "parley_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" + hex;
}

}  // namespace

ScratchDatabase::ScratchDatabase()
    : admin_url_(test_admin_database_url()),
      name_(unique_database_name()),
      url_(with_database_name(admin_url_, name_)) {
  pqxx::connection admin(admin_url_);
  pqxx::nontransaction work(admin);
  work.exec0("CREATE DATABASE " + work.quote_name(name_));
}

ScratchDatabase::~ScratchDatabase() {
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction work(admin);
    work.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = " + work.quote(name_) +
              " AND pid <> pg_backend_pid()");
    // FORCE (PostgreSQL 13+) also ends connections opened since the line above.
    work.exec0("DROP DATABASE IF EXISTS " + work.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& error) {
    std::cerr << "ScratchDatabase: could not drop " << name_ << ": " << error.what() << "\n";
  }
}

}  // namespace parley::test
