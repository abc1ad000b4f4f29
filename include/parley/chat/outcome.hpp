#pragma once
// What chat operations return: a JSON reply with its status, or an ApiError.
#include "parley/protocol/api_error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <variant>

namespace parley::chat {

struct Reply {
  int status = 200;
  nlohmann::json body;
  /// When not empty, the body as JSON text already (hot reads render straight to text); `body` is unused.
  std::string text{};
};
using Outcome = std::variant<Reply, protocol::ApiError>;

/// The authenticated caller of a chat operation.
struct Caller {
  std::int64_t app_id = 0;
  bool server = false;
  std::string user_id;          // empty for server tokens
  std::string app_role = "user";
};

}  // namespace parley::chat
