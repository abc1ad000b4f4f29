#include "parley/storage/user_auth_state.hpp"

#include "parley/storage/prepared.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

namespace {

// Role, deactivation, deletion and the revocation cutoff of one user ($1 app, $2 user). A hard-deleted
// user leaves a tombstone: tokens minted before the deletion stay revoked, whether or not the id has been
// created again since (GREATEST ignores NULLs).
const Prepared kUserAuthState{"user_auth_state",
                              "SELECT u.role, u.deactivated_at IS NOT NULL, u.deleted_at IS NOT NULL, "
       "floor(extract(epoch FROM GREATEST(u.revoke_tokens_before, t.deleted_at)))::bigint FROM users u "
       "LEFT JOIN user_tombstones t ON t.app_id = u.app_id AND t.id = u.id WHERE u.app_id = $1 AND u.id = $2 "
       "UNION ALL SELECT 'user', false, false, floor(extract(epoch FROM t.deleted_at))::bigint "
       "FROM user_tombstones t WHERE t.app_id = $1 AND t.id = $2 "
       "AND NOT EXISTS (SELECT 1 FROM users WHERE app_id = $1 AND id = $2)"};

}  // namespace

std::optional<UserAuthState> load_user_auth_state(Connection& c, std::int64_t app_id, const std::string& id) {
  Tx tx(c, TxKind::read);
  return load_user_auth_state(tx, app_id, id);
}

std::optional<UserAuthState> load_user_auth_state(Tx& tx, std::int64_t app_id,
                                                  const std::string& id) {
  const auto rows = kUserAuthState(tx, app_id, id);
  if (rows.empty()) return std::nullopt;
  UserAuthState s;
  s.role = rows[0][0].c_str();
  s.deactivated = rows[0][1].as<bool>();
  s.deleted = rows[0][2].as<bool>();
  if (!rows[0][3].is_null()) s.revoke_tokens_before_s = rows[0][3].as<std::int64_t>();
  return s;
}

}  // namespace parley::storage
