#pragma once
// REST routes of the chat domain (API.md section 5): thin handlers that
// authenticate, parse, run one chat operation on the chat Database and render it.
#include "parley/auth/authenticator.hpp"
#include "parley/chat/group_commit.hpp"
#include "parley/http/router.hpp"
#include "parley/chat/services.hpp"

namespace parley::http {

/// Outlives the router.
struct ChatRouteDeps {
  auth::Authenticator& authenticator;
  chat::Services& services;     // runs chat operations and publishes what they committed
  chat::GroupCommitter& sends;  // message sends go through group commit
};

void add_chat_routes(Router& router, ChatRouteDeps& deps);
/// Users and App administration: GET /v1/users, PATCH / DELETE /v1/users/{id},
/// POST /v1/users/{id}/revoke_tokens, GET / PATCH /v1/app (user_routes.cpp); called by add_chat_routes().
void add_user_routes(Router& router, ChatRouteDeps& deps);
/// Distinct channels, the channel list, delete, truncate, hide/show, mute/unmute (channel_routes.cpp);
/// called by add_chat_routes().
void add_channel_admin_routes(Router& router, ChatRouteDeps& deps);
/// Channel types, reactions and thread replies (message_routes.cpp); called by add_chat_routes().
void add_type_and_reaction_routes(Router& router, ChatRouteDeps& deps);

}  // namespace parley::http
