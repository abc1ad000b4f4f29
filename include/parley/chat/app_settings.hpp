#pragma once
// The calling app's own settings (API.md section 5: GET / PATCH /v1/app). Only
// settings the server enforces are stored: for now app-wide token revocation
// (`revoke_tokens_before`, honoured by the Authenticator). Never returns the
// api_secret. Synchronous: runs inside a DbPool call.
#include "parley/chat/outcome.hpp"


namespace parley::chat {

/// GET /v1/app (server) -> {"app":{id, name, api_key, revoke_tokens_before, created_at, updated_at}}
Outcome get_app(Connection& c, const Caller& caller);

/// PATCH /v1/app {"revoke_tokens_before": ts | null} (server). The caller must drop the app from
/// the Authenticator's cache afterwards; other nodes see the change when their cache expires.
Outcome update_app(Connection& c, const Caller& caller, const nlohmann::json& body);

}  // namespace parley::chat
