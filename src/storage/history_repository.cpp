#include "parley/storage/history_repository.hpp"

#include "parley/storage/prepared.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <limits>

namespace parley::storage {

namespace {

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

// A channel's newest history page (or one after a seq) in one statement: the channel and the reader's
// member role, then the page's messages with their reaction counts and the reader's own reactions.
const Prepared kHistoryNewest{"history_newest", PARLEY_HISTORY_HEAD "ORDER BY m.seq DESC LIMIT $6) p ON true"};
const Prepared kHistoryAfter{"history_after", PARLEY_HISTORY_HEAD "AND m.seq > $7 ORDER BY m.seq LIMIT $6) p ON true"};

constexpr int kMessageFirst = 2;  // ch.pk, the reader's role, then the 17 message columns
constexpr int kReactionCounts = kMessageFirst + 17;
constexpr int kOwnReactions = kReactionCounts + 1;
}  // namespace

std::optional<HistoryPage> read_history(Tx& tx, const HistoryQuery& q) {
  const std::int64_t below = q.before_seq.value_or(std::numeric_limits<std::int64_t>::max());
  const int rows_wanted = q.limit + 1;  // one more tells whether there is more
  const auto rows = q.after_seq ? kHistoryAfter(tx, q.app_id, q.type, q.id, q.reader,
                                                 below, rows_wanted, *q.after_seq)
                                : kHistoryNewest(tx, q.app_id, q.type, q.id, q.reader,
                                                 below, rows_wanted);
  if (rows.empty()) return std::nullopt;
  HistoryPage page;
  page.channel_pk = rows[0][0].as<std::int64_t>();
  if (!rows[0][1].is_null()) page.reader_role = rows[0][1].c_str();
  if (rows[0][kMessageFirst].is_null()) return page;  // the channel has no message in range
  page.has_more = rows.size() > static_cast<std::size_t>(q.limit);
  const std::size_t n = std::min(rows.size(), static_cast<std::size_t>(q.limit));
  page.messages.reserve(n);
  // The extra row, if any, is the last one; a newest page comes from the index newest first.
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = q.after_seq ? k : n - 1 - k;
    const auto& r = rows[static_cast<pqxx::result::size_type>(i)];
    page.messages.push_back({read_message_row(r, kMessageFirst), r[kReactionCounts].c_str(), r[kOwnReactions].c_str()});
  }
  return page;
}

}  // namespace parley::storage
