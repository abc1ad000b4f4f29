#pragma once
// A prepared statement of a repository. Each is defined once, at namespace
// scope in its repository's .cpp:
//
//   const Prepared kFindReaction{"find_reaction", "SELECT ... WHERE app_id = $1 AND message_id = $2"};
//   ... = kFindReaction(tx, app_id, message_id);
//
// Defining it registers it (before main runs); DbPool prepares every
// registered statement on each connection it opens (libpqxx prepares it on the
// server at its first use); each execution is counted for /metrics
// (parley_db_statements_total{statement}). Parameters are always bound,
// never spliced into the SQL text.
#include "parley/storage/tx.hpp"

#include <pqxx/connection>
#include <pqxx/except>
#include <pqxx/field>
#include <pqxx/result>
#include <pqxx/transaction_base>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace parley::storage {

class Prepared {
 public:
  /// `name` and `sql` must outlive the program (string literals); names are unique.
  Prepared(const char* name, const char* sql);
  Prepared(const Prepared&) = delete;
  Prepared& operator=(const Prepared&) = delete;

  const char* name() const { return name_; }
  const char* sql() const { return sql_; }
  /// Executions in this process.
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

  /// Executes the statement with `args` as its parameters $1, $2, ... (std::optional: NULL when empty).
  template <class... Args>
  pqxx::result operator()(Tx& tx, Args&&... args) const {
    return (*this)(tx.pq(), std::forward<Args>(args)...);
  }
  template <class... Args>
  pqxx::result operator()(pqxx::transaction_base& tx, Args&&... args) const {
    count_.fetch_add(1, std::memory_order_relaxed);
    return tx.exec_prepared(name_, std::forward<Args>(args)...);
  }

  /// The same, for a statement that must answer exactly one row (pqxx::unexpected_rows otherwise).
  template <class... Args>
  pqxx::row one(Tx& tx, Args&&... args) const {
    const auto rows = (*this)(tx, std::forward<Args>(args)...);
    if (rows.size() != 1) throw_unexpected_rows(rows.size());
    return rows[0];
  }

 private:
  [[noreturn]] void throw_unexpected_rows(std::size_t got) const;

  const char* name_;
  const char* sql_;
  mutable std::atomic<std::uint64_t> count_{0};
};

/// A nullable text column of a row: nullopt for NULL.
std::optional<std::string> optional_text(const pqxx::field& f);

/// Every statement defined in the program, in definition order.
const std::vector<const Prepared*>& prepared_statements();

/// Declares every statement on a new connection.
void prepare_statements(pqxx::connection& c);

}  // namespace parley::storage
