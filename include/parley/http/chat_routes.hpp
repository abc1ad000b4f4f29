#pragma once
// REST routes of the chat domain (API.md section 5): thin handlers that
// authenticate, parse, run one chat operation on the DbPool and render it.
#include "parley/auth/authenticator.hpp"
#include "parley/http/router.hpp"
#include "parley/storage/db_pool.hpp"

namespace parley::http {

/// Outlives the router.
struct ChatRouteDeps {
  auth::Authenticator& authenticator;
  storage::DbPool& db;
};

void add_chat_routes(Router& router, ChatRouteDeps& deps);

}  // namespace parley::http
