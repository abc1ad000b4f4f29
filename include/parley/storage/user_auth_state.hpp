#pragma once
// What authentication needs to know of a user: role, deactivation, deletion
// and per-user token revocation. Synchronous: runs inside a DbPool call.
#include "parley/storage/tx.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace parley::storage {

struct UserAuthState {
  std::string role = "user";
  bool deactivated = false;
  bool deleted = false;
  std::optional<std::int64_t> revoke_tokens_before_s;
};

/// nullopt when the user has no row yet (a valid token for a new user is accepted as role "user").
std::optional<UserAuthState> load_user_auth_state(Connection& c, std::int64_t app_id, const std::string& id);
/// The same inside the caller's transaction (prepared statement user_auth_state).
std::optional<UserAuthState> load_user_auth_state(Tx& tx, std::int64_t app_id,
                                                  const std::string& id);

}  // namespace parley::storage
