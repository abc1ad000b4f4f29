#pragma once
// What chat operations return: a JSON reply with the events the operation
// committed, or an ApiError.
#include "parley/protocol/api_error.hpp"
#include "parley/realtime/channel_event.hpp"
#include "parley/storage/tx.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace parley::chat {

/// What a successful operation did: answered with an existing resource (or a change), or created one.
enum class Done { ok, created };

struct Reply {
  Done done = Done::ok;
  nlohmann::json body;
  /// When not empty, the body as JSON text already (hot reads render straight to text); `body` is unused.
  std::string text{};
  /// What the operation committed, to publish after the commit (chat::Services does, once).
  std::vector<realtime::ChannelEvent> events{};
};
using Outcome = std::variant<Reply, protocol::ApiError>;

/// A pooled database connection: what chat operations run on (Database::run hands one out).
using Connection = storage::Connection;

/// The authenticated caller of a chat operation.
struct Caller {
  std::int64_t app_id = 0;
  bool server = false;
  std::string user_id;          // empty for server tokens
  std::string app_role = "user";
};

}  // namespace parley::chat
