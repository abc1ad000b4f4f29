#include "parley/chat/app_settings.hpp"

#include "parley/chat/channel_event.hpp"

#include "parley/chat/user_admin.hpp"
#include "parley/protocol/app.hpp"
#include "parley/storage/app_repository.hpp"

namespace parley::chat {

using protocol::ApiError;

namespace {

// Deliberately no api_secret and no raw settings.
protocol::App to_app(const storage::AppSettingsRecord& a) {
  return {a.public_id, a.name, a.api_key, a.revoke_tokens_before, a.created_at, a.updated_at};
}

}  // namespace

Outcome get_app(Connection& c, const Caller& caller) {
  if (!caller.server) return ApiError::forbidden("only a server token may read app settings");
  storage::Tx tx(c, storage::TxKind::read);
  const auto row = storage::find_app_settings(tx, caller.app_id);
  if (!row) return ApiError::not_found("no such app");
  return Reply{Done::ok, protocol::app_result(to_app(*row))};
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
  auto before = revocation_cutoff(body, "revoke_tokens_before");
  if (auto* err = std::get_if<ApiError>(&before)) return *err;
  storage::Tx tx(c);
  const auto row = storage::update_app_revocation(tx, caller.app_id, std::get<storage::RevocationCutoff>(before));
  if (!row) return ApiError::not_found("no such app");
  auto app = protocol::app_result(to_app(*row));
  tx.commit();
  Changes changes(caller.app_id);
  if (row->revoke_tokens_before_s) record_access_revoked(changes, "", *row->revoke_tokens_before_s);
  return committed(changes, Done::ok, std::move(app));
}

}  // namespace parley::chat
