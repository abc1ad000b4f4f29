#include "parley/storage/statements.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

namespace {

constexpr std::size_t kStatements = static_cast<std::size_t>(Statement::kCount);

// $1 app, $2 type, $3 id, $4 reader ('' for a server), $5 seq upper bound (exclusive), $6 rows, [$7 lower bound].
// The 17 message columns are chat::kMessageColumns' order (storage::read_message_row).
#define PARLEY_HISTORY_HEAD                                                                                       \
  "WITH ch AS (SELECT pk FROM channels WHERE app_id = $1 AND type = $2 AND id = $3 AND deleted_at IS NULL) "     \
  "SELECT ch.pk, (SELECT mb.role FROM members mb WHERE mb.channel_pk = ch.pk AND mb.user_id = $4), p.* FROM ch " \
  "LEFT JOIN LATERAL (SELECT m.id, m.seq, m.type, m.user_id, m.text, m.attachments::text, m.parent_id, "         \
  "m.reply_count, m.mentioned_users::text, m.pinned, m.silent, m.custom::text, parley_ts(m.created_at), "        \
  "parley_ts(m.updated_at), parley_ts(m.deleted_at), m.content_hash, m.show_in_channel, "                       \
  "m.reaction_counts::text, COALESCE((SELECT json_agg(json_build_object('type', r.type, 'score', r.score, "     \
  "'created_at', parley_ts(r.created_at), 'updated_at', parley_ts(r.updated_at), 'message_id', r.message_id, "  \
  "'user_id', r.user_id, 'user', json_build_object('id', r.user_id)) ORDER BY r.created_at, r.type) "           \
  "FROM reactions r WHERE r.app_id = m.app_id AND r.message_id = m.id AND r.user_id = $4), '[]')::text "        \
  "FROM messages m WHERE m.channel_pk = ch.pk AND (m.parent_id IS NULL OR m.show_in_channel) AND m.seq < $5 "

// One row per channel of user $2 in app $1 that may have unread messages: its unread count, capped at
// 1000. Only channels with something above the read mark count; muted and deleted channels do not.
#define PARLEY_UNREAD_PER_CHANNEL                                                                       \
  "SELECT (SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.channel_pk = mb.channel_pk "           \
  "AND m.seq > mb.read_seq AND m.user_id <> $2 AND NOT m.silent AND m.deleted_at IS NULL "               \
  "AND (m.parent_id IS NULL OR m.show_in_channel) LIMIT 1000) capped) "                                  \
  "FROM members mb JOIN channels ch ON ch.pk = mb.channel_pk WHERE mb.app_id = $1 AND mb.user_id = $2 " \
  "AND ch.deleted_at IS NULL AND NOT mb.muted AND ch.last_seq > mb.read_seq"

// A live channel's row (chat::read_channel's columns) by app, type and id.
#define PARLEY_FIND_CHANNEL                                                                                    \
  "SELECT pk, type, id, name, custom::text, created_by, frozen, cooldown_s, last_seq, parley_ts(created_at), " \
  "parley_ts(updated_at), parley_ts(last_message_at) FROM channels "                                          \
  "WHERE app_id = $1 AND type = $2 AND id = $3 AND deleted_at IS NULL"

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
    // Only channels with something above the read mark can have unread messages; muted and deleted
    // channels do not count. Same rule as chat::unread_count_sql.
    {"me_unread",
     PARLEY_UNREAD_PER_CHANNEL},
    // GET /v1/me and connection.ok in one statement (one snapshot, no transaction around it): the user's
    // row (NULLs when there is none) and the unread totals by the rule of me_unread.
    {"me",
     "SELECT u.id, u.name, u.image, u.role, u.custom::text, t.total, t.channels FROM "
     "(SELECT COALESCE(sum(x.n), 0)::bigint AS total, count(*) FILTER (WHERE x.n > 0) AS channels FROM "
     "(" PARLEY_UNREAD_PER_CHANNEL ") x(n)) t "
     "LEFT JOIN users u ON u.app_id = $1 AND u.id = $2"},
    {"events_after",
     "SELECT e.seq, e.payload::text FROM channel_events e JOIN channels c ON c.pk = e.channel_pk "
     "WHERE c.app_id = $1 AND c.type = $2 AND c.id = $3 AND e.seq > $4 ORDER BY e.seq LIMIT $5"},
    // A history page in one statement (storage/history_repository.cpp): the channel and the reader's
    // member role, then the page's messages with their reaction counts and the reader's own reactions.
    // chat::find_channel and chat::member_role: the first reads of most channel operations.
    {"find_channel", PARLEY_FIND_CHANNEL},
    {"find_channel_for_update", PARLEY_FIND_CHANNEL " FOR UPDATE"},
    {"member_role", "SELECT role FROM members WHERE channel_pk = $1 AND user_id = $2"},
    {"history_newest", PARLEY_HISTORY_HEAD "ORDER BY m.seq DESC LIMIT $6) p ON true"},
    {"history_after", PARLEY_HISTORY_HEAD "AND m.seq > $7 ORDER BY m.seq LIMIT $6) p ON true"},
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
