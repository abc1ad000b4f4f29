#pragma once
// JWT HS256 only (API.md section 2): OpenSSL HMAC-SHA256, constant-time
// comparison; any other alg, "none" included, is refused.
#include "parley/protocol/api_error.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace parley::auth {

inline constexpr std::size_t kMaxTokenBytes = 8192;
inline constexpr std::chrono::seconds kClockSkew{30};

/// The claims Parley reads from a verified token.
struct TokenClaims {
  bool server = false;
  std::string user_id;  // empty for server tokens
  std::optional<std::int64_t> exp, iat, nbf;
};

/// Signs `claims` with `secret`: header {"alg":"HS256","typ":"JWT"}.
std::string sign_token(const nlohmann::json& claims, std::string_view secret);

/// Reads the payload without verifying (to route to the right app); nullopt if malformed.
std::optional<nlohmann::json> peek_claims(std::string_view token);

/// Verifies signature, alg and time claims (with kClockSkew) against `now`.
std::variant<TokenClaims, protocol::ApiError> verify_token(std::string_view token, std::string_view secret,
                                                           std::chrono::system_clock::time_point now);

}  // namespace parley::auth
