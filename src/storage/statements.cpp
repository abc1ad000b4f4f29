#include "parley/storage/statements.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

namespace {

constexpr std::size_t kStatements = static_cast<std::size_t>(Statement::kCount);

struct Definition {
  const char* name;
  const char* sql;
};

constexpr std::array<Definition, kStatements> kDefinitions = {{
    {"send_batch", "SELECT * FROM parley_send_batch($1::jsonb)"},
    {"insert_events",
     "INSERT INTO channel_events (channel_pk, seq, type, payload) "
     "SELECT x.channel_pk, x.seq, x.type, x.payload "
     "FROM jsonb_to_recordset($1::jsonb) AS x(channel_pk bigint, seq bigint, type text, payload jsonb)"},
    // A hard-deleted user leaves a tombstone: tokens minted before the deletion stay revoked, whether or not
    // the id has been created again since (GREATEST ignores NULLs).
    {"user_auth_state",
     "SELECT u.role, u.deactivated_at IS NOT NULL, u.deleted_at IS NOT NULL, "
     "floor(extract(epoch FROM GREATEST(u.revoke_tokens_before, t.deleted_at)))::bigint FROM users u "
     "LEFT JOIN user_tombstones t ON t.app_id = u.app_id AND t.id = u.id WHERE u.app_id = $1 AND u.id = $2 "
     "UNION ALL SELECT 'user', false, false, floor(extract(epoch FROM t.deleted_at))::bigint "
     "FROM user_tombstones t WHERE t.app_id = $1 AND t.id = $2 "
     "AND NOT EXISTS (SELECT 1 FROM users WHERE app_id = $1 AND id = $2)"},
    {"me_user",
     "SELECT id, name, image, role, custom::text FROM users WHERE app_id = $1 AND id = $2"},
    // Only channels with something above the read mark can have unread messages; muted and deleted
    // channels do not count. Same rule as chat::unread_count_sql.
    {"me_unread",
     "SELECT (SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.channel_pk = mb.channel_pk "
     "AND m.seq > mb.read_seq AND m.user_id <> $2 AND NOT m.silent AND m.deleted_at IS NULL "
     "AND (m.parent_id IS NULL OR m.show_in_channel) LIMIT 1000) capped) "
     "FROM members mb JOIN channels ch ON ch.pk = mb.channel_pk WHERE mb.app_id = $1 AND mb.user_id = $2 "
     "AND ch.deleted_at IS NULL AND NOT mb.muted AND ch.last_seq > mb.read_seq"},
    {"events_after",
     "SELECT e.seq, e.payload::text FROM channel_events e JOIN channels c ON c.pk = e.channel_pk "
     "WHERE c.app_id = $1 AND c.type = $2 AND c.id = $3 AND e.seq > $4 ORDER BY e.seq LIMIT $5"},
}};

std::array<std::atomic<std::uint64_t>, kStatements> counts{};

}  // namespace

const char* statement_name(Statement s) { return kDefinitions[static_cast<std::size_t>(s)].name; }

void prepare_statements(pqxx::connection& c) {
  for (const auto& d : kDefinitions) c.prepare(d.name, d.sql);
}

std::uint64_t statement_count(Statement s) {
  return counts[static_cast<std::size_t>(s)].load(std::memory_order_relaxed);
}

void count_statement(Statement s) { counts[static_cast<std::size_t>(s)].fetch_add(1, std::memory_order_relaxed); }

}  // namespace parley::storage
