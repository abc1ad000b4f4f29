#pragma once
// The prepared statements of the hot paths, registered on every pooled
// connection (prepared lazily by libpqxx on first use), and a counter per
// statement for /metrics (parley_db_statements_total{statement}).
#include <pqxx/connection>
#include <pqxx/transaction_base>

#include <array>
#include <atomic>
#include <cstdint>
#include <utility>

namespace parley::storage {

enum class Statement : std::size_t {
  send_batch,     // every send of a group-commit batch (parley_send_batch)
  insert_events,  // the channel events of a batch, one multi-row insert
  user_auth_state,  // role, deactivation, deletion, revocation of one user ($1 app, $2 user)
  me_unread,        // per-channel unread counts of one user, capped at 1000 ($1 app, $2 user)
  me,               // GET /v1/me and connection.ok: the user row (or NULLs) and the unread totals ($1 app, $2 user)
  events_after,     // a channel's events after a seq, for the realtime feeds ($1 app, $2 type, $3 id, $4 seq, $5 limit)
  find_channel,             // a live channel's row ($1 app, $2 type, $3 id)
  find_channel_for_update,  // the same, row locked
  member_role,              // a member's role ($1 channel pk, $2 user)
  history_newest,   // a channel's newest history page with its reader's role (storage::read_history)
  history_after,    // a history page after a seq
  kCount
};

/// The statement's name (also its label in /metrics).
const char* statement_name(Statement s);

/// Registers every Statement on a new connection.
void prepare_statements(pqxx::connection& c);

/// Executions of `s` in this process.
std::uint64_t statement_count(Statement s);
void count_statement(Statement s);

/// Executes prepared statement `s` with `args`, counted.
template <class... Args>
pqxx::result exec_statement(pqxx::transaction_base& tx, Statement s, Args&&... args) {
  count_statement(s);
  return tx.exec_prepared(statement_name(s), std::forward<Args>(args)...);
}

}  // namespace parley::storage
