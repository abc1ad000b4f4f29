#include "parley/storage/user_repository.hpp"

#include "parley/storage/prepared.hpp"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace parley::storage {

namespace {

const Prepared kFindUser{"users_find",
                         "SELECT " PARLEY_USER_COLUMNS " FROM users WHERE app_id = $1 AND id = $2 AND deleted_at IS NULL"};
// $2: the ids as a JSON array of strings.
const Prepared kFindUsers{"users_find_many",
                          "SELECT " PARLEY_USER_COLUMNS " FROM users WHERE app_id = $1 "
                          "AND id IN (SELECT jsonb_array_elements_text($2::jsonb)) AND deleted_at IS NULL ORDER BY id"};
// A page of the app's users by id after $2 (NULL: from the first; ids are never empty, so '' is below
// every id); $3 the page size.
const Prepared kListUsers{"users_list",
                          "SELECT " PARLEY_USER_COLUMNS " FROM users WHERE app_id = $1 AND deleted_at IS NULL "
                          "AND id > COALESCE($2::text, '') ORDER BY id LIMIT $3::int"};
// The same for the ids starting with a prefix: $2 the LIKE pattern (the escaped prefix and %), $3 the
// prefix and $4 the first string above every id with that prefix (bytewise; NULL when there is none),
// bounds the index users_id_prefix (text_pattern_ops) can use whatever the plan; $5 after, $6 the page size.
const Prepared kListUsersByPrefix{"users_list_prefix",
                                  "SELECT " PARLEY_USER_COLUMNS " FROM users WHERE app_id = $1 AND deleted_at IS NULL "
                                  "AND id LIKE $2::text AND id ~>=~ $3::text AND ($4::text IS NULL OR id ~<~ $4::text) "
                                  "AND id > COALESCE($5::text, '') ORDER BY id LIMIT $6::int"};
// $3 name, $4 image (NULL: none; on conflict the stored value stays), $5 role and $6 custom (NULL: the
// default on insert, the stored value on conflict). A soft-deleted user comes back.
const Prepared kUpsertUser{"users_upsert",
                           "INSERT INTO users (app_id, id, name, image, role, custom) VALUES ($1, $2, $3::text, $4::text, "
                           "COALESCE($5::text, 'user'), COALESCE($6::jsonb, '{}'::jsonb)) ON CONFLICT (app_id, id) DO UPDATE SET "
                           "name = COALESCE(EXCLUDED.name, users.name), image = COALESCE(EXCLUDED.image, users.image), "
                           "role = COALESCE($5::text, users.role), custom = COALESCE($6::jsonb, users.custom), "
                           "deleted_at = NULL, updated_at = now() RETURNING " PARLEY_USER_COLUMNS};
// $3/$5: whether name/image change, to $4/$6; $7 custom and $8 role (NULL: unchanged); $9 deactivated
// (NULL: unchanged; true keeps an earlier deactivation time).
const Prepared kUpdateUser{"users_update",
                           "UPDATE users SET updated_at = now(), "
                           "name = CASE WHEN $3::boolean THEN $4::text ELSE name END, "
                           "image = CASE WHEN $5::boolean THEN $6::text ELSE image END, "
                           "custom = COALESCE($7::jsonb, custom), role = COALESCE($8::text, role), "
                           "deactivated_at = CASE WHEN $9::boolean IS NULL THEN deactivated_at "
                           "WHEN $9::boolean THEN COALESCE(deactivated_at, now()) ELSE NULL END "
                           "WHERE app_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING " PARLEY_USER_COLUMNS};
const Prepared kSoftDeleteUser{"users_soft_delete",
                               "UPDATE users SET deleted_at = now(), updated_at = now() WHERE app_id = $1 AND id = $2 "
                               "AND deleted_at IS NULL RETURNING " PARLEY_USER_COLUMNS ", parley_ts(deleted_at)"};
const Prepared kDeleteUserRow{"users_delete_row", "DELETE FROM users WHERE app_id = $1 AND id = $2 RETURNING 1"};
// Every channel user $2 wrote in, belongs to or reacted in, locked in pk order (no deadlock with another
// multi-channel change).
const Prepared kLockUserChannels{"users_lock_channels",
                                 "SELECT pk, type, id FROM channels WHERE app_id = $1 AND pk IN ("
                                 "SELECT channel_pk FROM messages WHERE app_id = $1 AND user_id = $2 "
                                 "UNION SELECT channel_pk FROM members WHERE app_id = $1 AND user_id = $2 "
                                 "UNION SELECT rm.channel_pk FROM reactions r JOIN messages rm ON "
                                 "rm.app_id = r.app_id AND rm.id = r.message_id WHERE r.app_id = $1 AND r.user_id = $2"
                                 ") ORDER BY pk FOR UPDATE"};
const Prepared kUserMessagesInChannel{"users_channel_messages",
                                      "SELECT " PARLEY_MESSAGE_COLUMNS " FROM messages m WHERE m.channel_pk = $1 "
                                      "AND m.app_id = $2 AND m.user_id = $3 ORDER BY m.seq"};
const Prepared kWriteTombstone{"users_tombstone",
                               "INSERT INTO user_tombstones (app_id, id) VALUES ($1, $2) ON CONFLICT (app_id, id) "
                               "DO UPDATE SET deleted_at = now() RETURNING parley_ts(deleted_at)"};
// $3: now() as the cutoff; otherwise $4 (NULL: no cutoff).
const Prepared kRevokeUserTokens{"users_revoke_tokens",
                                 "UPDATE users SET revoke_tokens_before = CASE WHEN $3::boolean THEN now() "
                                 "ELSE $4::timestamptz END WHERE app_id = $1 AND id = $2 AND deleted_at IS NULL "
                                 "RETURNING parley_ts(revoke_tokens_before), "
                                 "floor(extract(epoch FROM revoke_tokens_before))::bigint"};

std::vector<UserRecord> read_users(const pqxx::result& rows) {
  std::vector<UserRecord> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(read_user_record(r));
  return out;
}

// '\\' escapes '_', '%' and itself: the prefix matches only itself (ids may contain '_').
std::string like_prefix(const std::string& prefix) {
  std::string out;
  for (char ch : prefix) {
    if (ch == '_' || ch == '%' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "%";
}

// The least string above every string starting with `prefix`, bytewise; nullopt when there is none.
std::optional<std::string> prefix_upper_bound(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

}  // namespace

UserRecord read_user_record(const pqxx::row& r, int first) {
  UserRecord u;
  u.id = r[first].c_str();
  u.name = optional_text(r[first + 1]);
  u.image = optional_text(r[first + 2]);
  u.role = r[first + 3].c_str();
  u.custom_json = r[first + 4].c_str();
  u.created_at = r[first + 5].c_str();
  u.updated_at = r[first + 6].c_str();
  u.deactivated = r[first + 7].as<bool>();
  return u;
}

std::optional<UserRecord> find_user(Tx& tx, std::int64_t app_id, const std::string& id) {
  const auto rows = kFindUser(tx, app_id, id);
  if (rows.empty()) return std::nullopt;
  return read_user_record(rows[0]);
}

std::vector<UserRecord> find_users(Tx& tx, std::int64_t app_id, const std::vector<std::string>& ids) {
  return read_users(kFindUsers(tx, app_id, nlohmann::json(ids).dump()));
}

std::vector<UserRecord> list_users_page(Tx& tx, std::int64_t app_id, const std::optional<std::string>& prefix,
                                        const std::optional<std::string>& after, int limit) {
  if (!prefix || prefix->empty()) return read_users(kListUsers(tx, app_id, after, limit));
  return read_users(kListUsersByPrefix(tx, app_id, like_prefix(*prefix), *prefix, prefix_upper_bound(*prefix), after, limit));
}

UserRecord upsert_user(Tx& tx, std::int64_t app_id, const UserUpsert& u) {
  return read_user_record(kUpsertUser.one(tx, app_id, u.id, u.name, u.image, u.role, u.custom_json));
}

std::optional<UserRecord> update_user_record(Tx& tx, std::int64_t app_id, const std::string& id, const UserPatch& p) {
  const auto rows = kUpdateUser(tx, app_id, id, p.change_name, p.name, p.change_image, p.image, p.custom_json, p.role,
                                p.deactivated);
  if (rows.empty()) return std::nullopt;
  return read_user_record(rows[0]);
}

std::optional<SoftDeletedUser> soft_delete_user(Tx& tx, std::int64_t app_id, const std::string& id) {
  const auto rows = kSoftDeleteUser(tx, app_id, id);
  if (rows.empty()) return std::nullopt;
  return SoftDeletedUser{read_user_record(rows[0]), rows[0][kUserRecordColumns].c_str()};
}

bool delete_user_row(Tx& tx, std::int64_t app_id, const std::string& id) {
  return !kDeleteUserRow(tx, app_id, id).empty();
}

std::vector<UserChannelRef> lock_user_channels(Tx& tx, std::int64_t app_id, const std::string& user_id) {
  std::vector<UserChannelRef> out;
  for (const auto& r : kLockUserChannels(tx, app_id, user_id)) {
    out.push_back(UserChannelRef{r[0].as<std::int64_t>(), r[1].c_str(), r[2].c_str()});
  }
  return out;
}

std::vector<MessageRow> user_messages_in_channel(Tx& tx, std::int64_t app_id, std::int64_t channel_pk,
                                                 const std::string& user_id) {
  std::vector<MessageRow> out;
  for (const auto& r : kUserMessagesInChannel(tx, channel_pk, app_id, user_id)) out.push_back(read_message_row(r));
  return out;
}

std::string write_user_tombstone(Tx& tx, std::int64_t app_id, const std::string& id) {
  return kWriteTombstone.one(tx, app_id, id)[0].c_str();
}

std::optional<RevokedTokens> revoke_user_tokens_before(Tx& tx, std::int64_t app_id, const std::string& id,
                                                       const RevocationCutoff& cutoff) {
  const auto rows = kRevokeUserTokens(tx, app_id, id, cutoff.now, cutoff.now ? std::optional<std::string>() : cutoff.at);
  if (rows.empty()) return std::nullopt;
  RevokedTokens out;
  out.revoke_tokens_before = optional_text(rows[0][0]);
  if (!rows[0][1].is_null()) out.before_s = rows[0][1].as<std::int64_t>();
  return out;
}

}  // namespace parley::storage
