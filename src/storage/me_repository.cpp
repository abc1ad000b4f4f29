#include "parley/storage/me_repository.hpp"

#include "parley/storage/prepared.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

namespace {

// One row per channel of user $2 in app $1 that may have unread messages: its unread count, capped at
// 1000. Only channels with something above the read mark count; muted and deleted channels do not.
#define PARLEY_UNREAD_PER_CHANNEL                                                                       \
  "SELECT (SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.channel_pk = mb.channel_pk "           \
  "AND m.seq > mb.read_seq AND m.user_id <> $2 AND NOT m.silent AND m.deleted_at IS NULL "               \
  "AND (m.parent_id IS NULL OR m.show_in_channel) LIMIT 1000) capped) "                                  \
  "FROM members mb JOIN channels ch ON ch.pk = mb.channel_pk WHERE mb.app_id = $1 AND mb.user_id = $2 " \
  "AND ch.deleted_at IS NULL AND NOT mb.muted AND ch.last_seq > mb.read_seq"

const Prepared kMeUnread{"me_unread", PARLEY_UNREAD_PER_CHANNEL};
// The user's row (NULLs when there is none) and the unread totals by the rule of me_unread.
const Prepared kMe{"me",
                   "SELECT u.id, u.name, u.image, u.role, u.custom::text, t.total, t.channels FROM "
       "(SELECT COALESCE(sum(x.n), 0)::bigint AS total, count(*) FILTER (WHERE x.n > 0) AS channels FROM "
       "(" PARLEY_UNREAD_PER_CHANNEL ") x(n)) t "
       "LEFT JOIN users u ON u.app_id = $1 AND u.id = $2"};

}  // namespace

MeRecord read_me_record(Tx& tx, std::int64_t app_id, const std::string& user_id) {
  const auto rows = kMe(tx, app_id, user_id);
  const auto& r = rows[0];  // always one row: the totals, with the user's columns NULL when there is no row
  MeRecord me;
  me.unread.total_unread_count = r[5].as<long long>();
  me.unread.unread_channels = r[6].as<int>();
  if (!r[0].is_null()) {
    UserProfile u;
    u.id = r[0].c_str();
    if (!r[1].is_null()) u.name = r[1].c_str();
    if (!r[2].is_null()) u.image = r[2].c_str();
    u.role = r[3].c_str();
    u.custom_json = r[4].c_str();
    me.user = std::move(u);
  }
  return me;
}

UnreadTotals read_unread_totals(Tx& tx, std::int64_t app_id, const std::string& user_id) {
  UnreadTotals totals;
  for (const auto& r : kMeUnread(tx, app_id, user_id)) {
    const auto n = r[0].as<long long>();
    totals.total_unread_count += n;
    if (n > 0) ++totals.unread_channels;
  }
  return totals;
}

}  // namespace parley::storage
