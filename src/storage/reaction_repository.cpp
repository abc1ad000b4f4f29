#include "parley/storage/reaction_repository.hpp"

#include "parley/storage/prepared.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace parley::storage {

namespace {

/// SQL: the reaction columns of the reactions table (unaliased) in the order read_reaction() reads.
#define PARLEY_REACTION_COLUMNS \
  "message_id, user_id, type, score, parley_ts(created_at), parley_ts(updated_at)"

// The messages of a list ($2: a JSON array of ids) with their counts, without / with a user's ($3) own reactions.
#define PARLEY_REACTIONS_OF_MESSAGES_WHERE \
  " FROM messages m WHERE m.app_id = $1 AND m.id IN (SELECT jsonb_array_elements_text($2::jsonb))"
const Prepared kCountsOfMessages{"reaction_counts_of_messages",
                                 "SELECT m.id, m.reaction_counts::text, '[]'::text" PARLEY_REACTIONS_OF_MESSAGES_WHERE};
const Prepared kCountsAndOwnOfMessages{
    "reaction_counts_and_own_of_messages",
    "SELECT m.id, m.reaction_counts::text, COALESCE((SELECT json_agg(json_build_object('type', r.type, 'score', "
    "r.score, 'created_at', parley_ts(r.created_at), 'updated_at', parley_ts(r.updated_at)) ORDER BY r.created_at, "
    "r.type) FROM reactions r WHERE r.app_id = m.app_id AND r.message_id = m.id AND r.user_id = $3::text), "
    "'[]')::text" PARLEY_REACTIONS_OF_MESSAGES_WHERE};

const Prepared kReadCounts{"reaction_counts_read",
                           "SELECT reaction_counts::text FROM messages WHERE app_id = $1 AND id = $2"};

// $4: +1 / -1; a count that drops to 0 or below removes the key.
#define PARLEY_REACTION_COUNT "COALESCE((reaction_counts->>$3::text)::int, 0)"
const Prepared kChangeCount{
    "reaction_count_change",
    "UPDATE messages SET reaction_counts = CASE WHEN " PARLEY_REACTION_COUNT " + $4::int <= 0 THEN "
    "reaction_counts - $3::text ELSE jsonb_set(reaction_counts, ARRAY[$3::text], to_jsonb(" PARLEY_REACTION_COUNT
    " + $4::int)) END WHERE app_id = $1 AND id = $2 RETURNING reaction_counts::text"};

const Prepared kUserReactionsOnOthers{
    "reaction_user_on_others",
    "SELECT r.message_id, r.type FROM reactions r JOIN messages m ON m.app_id = r.app_id AND m.id = r.message_id "
    "WHERE r.app_id = $1 AND r.user_id = $2 AND m.channel_pk = $3 AND m.user_id <> $2 ORDER BY m.seq, r.type"};

#define PARLEY_REACTION_KEY "app_id = $1 AND message_id = $2 AND user_id = $3"
const Prepared kDelete{"reaction_delete", "DELETE FROM reactions WHERE " PARLEY_REACTION_KEY
                                          " AND type = $4 RETURNING " PARLEY_REACTION_COLUMNS};
const Prepared kDeleteOthers{"reaction_delete_others", "DELETE FROM reactions WHERE " PARLEY_REACTION_KEY
                                                       " AND type <> $4 RETURNING " PARLEY_REACTION_COLUMNS};
const Prepared kLockScore{"reaction_lock_score",
                          "SELECT score FROM reactions WHERE " PARLEY_REACTION_KEY " AND type = $4 FOR UPDATE"};
const Prepared kInsert{"reaction_insert",
                       "INSERT INTO reactions (app_id, message_id, user_id, type, score) VALUES ($1, $2, $3, $4, $5) "
                       "RETURNING " PARLEY_REACTION_COLUMNS};
const Prepared kUpdateScore{"reaction_update_score", "UPDATE reactions SET score = $5, updated_at = now() WHERE " PARLEY_REACTION_KEY
                                                     " AND type = $4 RETURNING " PARLEY_REACTION_COLUMNS};
const Prepared kGet{"reaction_get",
                    "SELECT " PARLEY_REACTION_COLUMNS " FROM reactions WHERE " PARLEY_REACTION_KEY " AND type = $4"};

ReactionRow read_reaction(const pqxx::row& r) {
  ReactionRow x;
  x.message_id = r[0].c_str();
  x.user_id = r[1].c_str();
  x.type = r[2].c_str();
  x.score = r[3].as<int>();
  x.created_at = r[4].c_str();
  x.updated_at = r[5].c_str();
  return x;
}

}  // namespace

std::vector<MessageReactions> read_message_reactions(Tx& tx, std::int64_t app_id,
                                                     const std::vector<std::string>& message_ids,
                                                     const std::string& user_id) {
  const std::string ids = nlohmann::json(message_ids).dump();
  const auto rows = user_id.empty() ? kCountsOfMessages(tx, app_id, ids)
                                    : kCountsAndOwnOfMessages(tx, app_id, ids, user_id);
  std::vector<MessageReactions> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back({r[0].c_str(), r[1].c_str(), r[2].c_str()});
  return out;
}

std::string read_reaction_counts(Tx& tx, std::int64_t app_id, const std::string& message_id) {
  return kReadCounts.one(tx, app_id, message_id)[0].c_str();
}

std::string change_reaction_count(Tx& tx, std::int64_t app_id, const std::string& message_id, const std::string& type,
                                  int delta) {
  return kChangeCount.one(tx, app_id, message_id, type, delta)[0].c_str();
}

std::vector<ReactionKey> user_reactions_on_others(Tx& tx, std::int64_t app_id, std::int64_t channel_pk,
                                                  const std::string& user_id) {
  const auto rows = kUserReactionsOnOthers(tx, app_id, user_id, channel_pk);
  std::vector<ReactionKey> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back({r[0].c_str(), r[1].c_str()});
  return out;
}

std::optional<ReactionRow> delete_reaction_row(Tx& tx, std::int64_t app_id, const std::string& message_id,
                                               const std::string& user_id, const std::string& type) {
  const auto rows = kDelete(tx, app_id, message_id, user_id, type);
  if (rows.empty()) return std::nullopt;
  return read_reaction(rows[0]);
}

std::vector<ReactionRow> delete_other_reactions(Tx& tx, std::int64_t app_id, const std::string& message_id,
                                                const std::string& user_id, const std::string& kept_type) {
  const auto rows = kDeleteOthers(tx, app_id, message_id, user_id, kept_type);
  std::vector<ReactionRow> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(read_reaction(r));
  return out;
}

std::optional<int> lock_reaction_score(Tx& tx, std::int64_t app_id, const std::string& message_id,
                                       const std::string& user_id, const std::string& type) {
  const auto rows = kLockScore(tx, app_id, message_id, user_id, type);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<int>();
}

ReactionRow insert_reaction(Tx& tx, std::int64_t app_id, const std::string& message_id, const std::string& user_id,
                            const std::string& type, int score) {
  return read_reaction(kInsert(tx, app_id, message_id, user_id, type, score).at(0));
}

ReactionRow update_reaction_score(Tx& tx, std::int64_t app_id, const std::string& message_id,
                                  const std::string& user_id, const std::string& type, int score) {
  return read_reaction(kUpdateScore(tx, app_id, message_id, user_id, type, score).at(0));
}

ReactionRow get_reaction(Tx& tx, std::int64_t app_id, const std::string& message_id, const std::string& user_id,
                         const std::string& type) {
  return read_reaction(kGet(tx, app_id, message_id, user_id, type).at(0));
}

}  // namespace parley::storage
