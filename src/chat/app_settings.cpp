#include "parley/chat/app_settings.hpp"

#include "parley/chat/channel_event.hpp"

#include "parley/chat/store_support.hpp"
#include "parley/chat/user_admin.hpp"

#include <pqxx/pqxx>

namespace parley::chat {

using protocol::ApiError;

namespace {

// Deliberately no api_secret and no raw settings column.
const std::string kAppColumns =
    "public_id, name, api_key, " + ts("revoke_tokens_before") + ", " + ts("created_at") + ", " + ts("updated_at");

nlohmann::json render_app(const pqxx::row& r) {
  return {{"id", r[0].c_str()},
          {"name", r[1].c_str()},
          {"api_key", r[2].c_str()},
          {"revoke_tokens_before", r[3].is_null() ? nlohmann::json(nullptr) : nlohmann::json(r[3].c_str())},
          {"created_at", r[4].c_str()},
          {"updated_at", r[5].c_str()}};
}

}  // namespace

Outcome get_app(Connection& c, const Caller& caller) {
  if (!caller.server) return ApiError::forbidden("only a server token may read app settings");
  storage::Tx tx(c, storage::TxKind::read);
  const auto rows = tx.pq().exec("SELECT " + kAppColumns + " FROM apps WHERE id = " + std::to_string(caller.app_id));
  if (rows.empty()) return ApiError::not_found("no such app");
  return Reply{Done::ok, {{"app", render_app(rows[0])}}};
}

Outcome update_app(Connection& c, const Caller& caller, const nlohmann::json& body) {
  if (!caller.server) return ApiError::forbidden("only a server token may change app settings");
  if (!body.is_object() || body.empty()) return ApiError::invalid_request("give the settings to change");
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "revoke_tokens_before") {
      return ApiError::invalid_request("unsupported app setting " + it.key().substr(0, 64) +
                                       " (supported: revoke_tokens_before)");
    }
  }
  auto before = revocation_time_sql(body, "revoke_tokens_before");
  if (auto* err = std::get_if<ApiError>(&before)) return *err;
  storage::Tx tx(c);
  const auto rows =
      tx.pq().exec("UPDATE apps SET revoke_tokens_before = " + std::get<std::string>(before) +
              ", updated_at = now() WHERE id = " + std::to_string(caller.app_id) + " RETURNING " + kAppColumns);
  if (rows.empty()) return ApiError::not_found("no such app");
  auto app = render_app(rows[0]);
  const auto before_row = tx.pq().exec1("SELECT floor(extract(epoch FROM revoke_tokens_before))::bigint FROM apps WHERE id = " +
                                   std::to_string(caller.app_id));
  tx.commit();
  Changes changes(caller.app_id);
  if (!before_row[0].is_null()) record_access_revoked(changes, "", before_row[0].as<std::int64_t>());
  return committed(changes, Done::ok, {{"app", std::move(app)}});
}

}  // namespace parley::chat
