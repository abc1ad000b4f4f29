#include "parley/storage/user_auth_state.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

std::optional<UserAuthState> load_user_auth_state(pqxx::connection& c, std::int64_t app_id, const std::string& id) {
  pqxx::read_transaction tx(c);
  const auto rows = tx.exec(
      "SELECT role, deactivated_at IS NOT NULL, deleted_at IS NOT NULL, "
      "floor(extract(epoch FROM revoke_tokens_before))::bigint FROM users WHERE app_id = " +
      std::to_string(app_id) + " AND id = " + tx.quote(id));
  if (rows.empty()) return std::nullopt;
  UserAuthState s;
  s.role = rows[0][0].c_str();
  s.deactivated = rows[0][1].as<bool>();
  s.deleted = rows[0][2].as<bool>();
  if (!rows[0][3].is_null()) s.revoke_tokens_before_s = rows[0][3].as<std::int64_t>();
  return s;
}

}  // namespace parley::storage
