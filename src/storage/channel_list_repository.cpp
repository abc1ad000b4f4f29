#include "parley/storage/channel_list_repository.hpp"

#include "parley/storage/prepared.hpp"
#include "parley/storage/unread_rule.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

namespace {

// The sort key of a channel in epoch microseconds (the cursor holds it).
#define PARLEY_LIST_KEY_US(key) "(extract(epoch FROM " key ") * 1000000)::bigint"

// $1 app, $2 user, $3 type or NULL, $4 / $5 cursor (sort key, pk) or NULL, $6 rows. The page first,
// then the unread counts of that page only. Columns: channel, sort key, membership, unread count.
#define PARLEY_CHANNEL_LIST(key)                                                                                 \
  "SELECT page.*, " PARLEY_UNREAD_COUNT("page.pk", "page.read_seq", "$2") " FROM (SELECT " PARLEY_CHANNEL_COLUMNS( \
      "c.") ", " PARLEY_LIST_KEY_US(key) " AS sort_us, " PARLEY_MEMBERSHIP_COLUMNS                               \
  " FROM members mb JOIN channels c ON c.pk = mb.channel_pk WHERE mb.app_id = $1 AND mb.user_id = $2 "           \
  "AND c.app_id = $1 AND c.deleted_at IS NULL AND NOT " PARLEY_MEMBER_HIDDEN_NOW                                 \
  " AND ($3::text IS NULL OR c.type = $3::text) AND ($4::bigint IS NULL OR (" PARLEY_LIST_KEY_US(key)            \
  ", c.pk) < ($4::bigint, $5::bigint)) ORDER BY " PARLEY_LIST_KEY_US(key) " DESC, c.pk DESC LIMIT $6) page"

// Channels without messages sort by their creation time under last_message_at.
const Prepared kListByLastMessage{"channel_list_by_last_message",
                                  PARLEY_CHANNEL_LIST("COALESCE(c.last_message_at, c.created_at)")};
const Prepared kListByCreated{"channel_list_by_created", PARLEY_CHANNEL_LIST("c.created_at")};

// $1: the channel pks as a JSON array. The first 100 members of each channel, oldest first.
const Prepared kStatesMembers{
    "channel_list_state_members",
    "SELECT channel_pk, user_id, role, read_seq, parley_ts(created_at) FROM (SELECT mm.*, row_number() OVER "
    "(PARTITION BY mm.channel_pk ORDER BY mm.created_at, mm.user_id) AS rn FROM members mm WHERE mm.channel_pk = "
    "ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::bigint))) ranked WHERE rn <= 100 "
    "ORDER BY channel_pk, created_at, user_id"};
// The last 25 messages of each channel view: one index range scan per channel, newest first.
const Prepared kStatesMessages{
    "channel_list_state_messages",
    "SELECT last.* FROM unnest(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::bigint)) AS p(pk) "
    "CROSS JOIN LATERAL (SELECT " PARLEY_MESSAGE_COLUMNS ", m.channel_pk AS in_channel FROM messages m "
    "WHERE m.channel_pk = p.pk AND (m.parent_id IS NULL OR m.show_in_channel) ORDER BY m.seq DESC LIMIT 25) last"};

constexpr int kSortCol = kChannelRecordColumns;
constexpr int kMemberCol = kSortCol + 1;
constexpr int kUnreadCol = kMemberCol + kMembershipRecordColumns;

std::string json_array(const std::vector<std::int64_t>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out + "]";
}

}  // namespace

std::vector<ChannelListRow> list_member_channels(Tx& tx, const ChannelListQuery& q) {
  const auto& statement = q.sort == ChannelListSort::created_at ? kListByCreated : kListByLastMessage;
  const auto rows = statement(tx, q.app_id, q.user_id, q.type, q.after_key_us, q.after_pk, q.rows);
  std::vector<ChannelListRow> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    out.push_back({read_channel_record(r), r[kSortCol].as<std::int64_t>(), read_membership_record(r, kMemberCol),
                   r[kUnreadCol].as<int>()});
  }
  return out;
}

ChannelStatesRows read_channel_states_rows(Tx& tx, const std::vector<std::int64_t>& channel_pks) {
  ChannelStatesRows out;
  const std::string pks = json_array(channel_pks);
  for (const auto& r : kStatesMembers(tx, pks)) {
    out.members.push_back(
        {r[0].as<std::int64_t>(), {r[1].c_str(), r[2].c_str(), r[3].as<std::int64_t>(), r[4].c_str()}});
  }
  for (const auto& r : kStatesMessages(tx, pks)) {
    out.messages_newest_first.push_back({r[kMessageRowColumns].as<std::int64_t>(), read_message_row(r)});
  }
  return out;
}

}  // namespace parley::storage
