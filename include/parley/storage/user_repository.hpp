#pragma once
// Rows of the users table as the user endpoints read and change them (API.md
// section 5, Users): lookups, the id-prefix list, upsert, partial update,
// soft and hard deletion, per-user token revocation. Typed rows; chat/ renders
// them. Every statement is prepared.
#include "parley/storage/message_row.hpp"
#include "parley/storage/tx.hpp"

#include <pqxx/row>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::storage {

/// A user as the API shows it. Timestamps are RFC 3339 UTC text; custom is JSON text.
struct UserRecord {
  std::string id;
  std::optional<std::string> name, image;
  std::string role;
  std::string custom_json;
  std::string created_at, updated_at;
  bool deactivated = false;
};

/// SQL: the users columns (unaliased) in the order read_user_record() reads.
/// Only for statements of storage/ (constant text, no values).
#define PARLEY_USER_COLUMNS                                                                          \
  "id, name, image, role, custom::text, parley_ts(created_at), parley_ts(updated_at), "              \
  "deactivated_at IS NOT NULL"
inline constexpr int kUserRecordColumns = 8;

/// The kUserRecordColumns user columns starting at `first`.
UserRecord read_user_record(const pqxx::row& r, int first = 0);

/// A revocation cutoff as a client gave it: `now` (the transaction's now()), else `at` (an RFC 3339
/// UTC timestamp the caller has validated) or no cutoff at all (nullopt: NULL).
struct RevocationCutoff {
  bool now = false;
  std::optional<std::string> at;
};

/// The live (not deleted) user.
std::optional<UserRecord> find_user(Tx& tx, std::int64_t app_id, const std::string& id);
/// The live users among `ids`, ordered by id.
std::vector<UserRecord> find_users(Tx& tx, std::int64_t app_id, const std::vector<std::string>& ids);
/// Up to `limit` live users ordered by id: ids matching the LIKE pattern `id_like` (when given; an
/// escaped prefix followed by %) and greater than `after` (when given).
std::vector<UserRecord> list_users_page(Tx& tx, std::int64_t app_id, const std::optional<std::string>& id_like,
                                        const std::optional<std::string>& after, int limit);

/// A user of POST /v1/users: absent fields (nullopt) keep the stored value (on insert: NULL name or
/// image, role "user", custom {}).
struct UserUpsert {
  std::string id;
  std::optional<std::string> name, image, role, custom_json;
};
/// Inserts or updates the user (and brings a soft-deleted user back).
UserRecord upsert_user(Tx& tx, std::int64_t app_id, const UserUpsert& u);

/// A partial update of a user (PATCH /v1/users/{id}). updated_at is always set to now().
struct UserPatch {
  bool change_name = false;
  std::optional<std::string> name;  // with change_name: the new value (nullopt: NULL)
  bool change_image = false;
  std::optional<std::string> image;
  std::optional<std::string> role;         // the new role, when changed
  std::optional<std::string> custom_json;  // the new custom object, when changed
  std::optional<bool> deactivated;         // true: deactivated (keeps an earlier time), false: active
};
/// Applies the patch to the live user; nullopt when there is none.
std::optional<UserRecord> update_user_record(Tx& tx, std::int64_t app_id, const std::string& id, const UserPatch& p);

struct SoftDeletedUser {
  UserRecord user;
  std::string deleted_at;
};
/// Marks the live user deleted; nullopt when there is none.
std::optional<SoftDeletedUser> soft_delete_user(Tx& tx, std::int64_t app_id, const std::string& id);

/// Deletes the user row (deleted or not); false when there was none.
bool delete_user_row(Tx& tx, std::int64_t app_id, const std::string& id);

struct UserChannelRef {
  std::int64_t pk = 0;
  std::string type, id;
};
/// The channels the user wrote in, belongs to or reacted in, locked FOR UPDATE in pk order.
std::vector<UserChannelRef> lock_user_channels(Tx& tx, std::int64_t app_id, const std::string& user_id);
/// The user's messages in the channel, by seq.
std::vector<MessageRow> user_messages_in_channel(Tx& tx, std::int64_t app_id, std::int64_t channel_pk,
                                                 const std::string& user_id);
/// Writes (or refreshes) the user's tombstone; its deleted_at.
std::string write_user_tombstone(Tx& tx, std::int64_t app_id, const std::string& id);

struct RevokedTokens {
  std::optional<std::string> revoke_tokens_before;  // RFC 3339 UTC
  std::optional<std::int64_t> before_s;             // the same in unix seconds (floor)
};
/// Sets the live user's revoke_tokens_before; nullopt when there is no such user.
std::optional<RevokedTokens> revoke_user_tokens_before(Tx& tx, std::int64_t app_id, const std::string& id,
                                                       const RevocationCutoff& cutoff);

}  // namespace parley::storage
