#include "parley/storage/user_auth_state.hpp"

#include "parley/storage/statements.hpp"

#include <pqxx/pqxx>

namespace parley::storage {

std::optional<UserAuthState> load_user_auth_state(pqxx::connection& c, std::int64_t app_id, const std::string& id) {
  pqxx::read_transaction tx(c);
  return load_user_auth_state(tx, app_id, id);
}

std::optional<UserAuthState> load_user_auth_state(pqxx::transaction_base& tx, std::int64_t app_id,
                                                  const std::string& id) {
  const auto rows = exec_statement(tx, Statement::user_auth_state, app_id, id);
  if (rows.empty()) return std::nullopt;
  UserAuthState s;
  s.role = rows[0][0].c_str();
  s.deactivated = rows[0][1].as<bool>();
  s.deleted = rows[0][2].as<bool>();
  if (!rows[0][3].is_null()) s.revoke_tokens_before_s = rows[0][3].as<std::int64_t>();
  return s;
}

}  // namespace parley::storage
