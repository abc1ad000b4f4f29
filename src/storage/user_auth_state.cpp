#include "parley/storage/user_auth_state.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

std::optional<UserAuthState> load_user_auth_state(pqxx::connection& c, std::int64_t app_id, const std::string& id) {
  pqxx::read_transaction tx(c);
  // A hard-deleted user leaves a tombstone: tokens minted before the deletion stay revoked,
  // whether or not the id has been created again since (GREATEST ignores NULLs).
  const std::string app = std::to_string(app_id);
  const std::string quoted = tx.quote(id);
  const auto rows = tx.exec(
      "SELECT u.role, u.deactivated_at IS NOT NULL, u.deleted_at IS NOT NULL, "
      "floor(extract(epoch FROM GREATEST(u.revoke_tokens_before, t.deleted_at)))::bigint FROM users u "
      "LEFT JOIN user_tombstones t ON t.app_id = u.app_id AND t.id = u.id WHERE u.app_id = " + app +
      " AND u.id = " + quoted +
      " UNION ALL SELECT 'user', false, false, floor(extract(epoch FROM t.deleted_at))::bigint "
      "FROM user_tombstones t WHERE t.app_id = " + app + " AND t.id = " + quoted +
      " AND NOT EXISTS (SELECT 1 FROM users WHERE app_id = " + app + " AND id = " + quoted + ")");
  if (rows.empty()) return std::nullopt;
  UserAuthState s;
  s.role = rows[0][0].c_str();
  s.deactivated = rows[0][1].as<bool>();
  s.deleted = rows[0][2].as<bool>();
  if (!rows[0][3].is_null()) s.revoke_tokens_before_s = rows[0][3].as<std::int64_t>();
  return s;
}

}  // namespace parley::storage
