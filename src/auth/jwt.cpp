#include "parley/auth/jwt.hpp"

#include "parley/auth/random.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace parley::auth {
namespace {

using protocol::ApiError;

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

struct Parts {
  std::string_view header, payload, signature;
};

std::optional<Parts> split(std::string_view token) {
  const auto a = token.find('.');
  if (a == std::string_view::npos) return std::nullopt;
  const auto b = token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) return std::nullopt;
  return Parts{token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

std::optional<nlohmann::json> decode_json(std::string_view b64) {
  std::string raw;
  if (!base64url_decode(b64, raw)) return std::nullopt;
  auto j = nlohmann::json::parse(raw, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

ApiError invalid_token(std::string message) { return ApiError{"unauthenticated", 401, std::move(message)}; }

// A numeric date claim: absent is fine, present must be a number.
bool read_time_claim(const nlohmann::json& claims, const char* name, std::optional<std::int64_t>& out) {
  auto it = claims.find(name);
  if (it == claims.end() || it->is_null()) return true;
  if (!it->is_number()) return false;
  out = it->is_number_integer() ? it->get<std::int64_t>() : static_cast<std::int64_t>(it->get<double>());
  return true;
}

}  // namespace

std::string sign_token(const nlohmann::json& claims, std::string_view secret) {
  const std::string header = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  const std::string payload = base64url_encode(claims.dump());
  const std::string signing_input = header + "." + payload;
  return signing_input + "." + base64url_encode(hmac_sha256(secret, signing_input));
}

std::optional<nlohmann::json> peek_claims(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return std::nullopt;
  auto parts = split(token);
  if (!parts) return std::nullopt;
  return decode_json(parts->payload);
}

std::variant<TokenClaims, ApiError> verify_token(std::string_view token, std::string_view secret,
                                                 std::chrono::system_clock::time_point now) {
  if (token.empty()) return invalid_token("missing token");
  if (token.size() > kMaxTokenBytes) return invalid_token("token is larger than 8 KiB");
  auto parts = split(token);
  if (!parts) return invalid_token("token is not a JWT");
  auto header = decode_json(parts->header);
  if (!header) return invalid_token("token header is not valid base64url JSON");
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || alg->get<std::string>() != "HS256") {
    return ApiError{"invalid_signature", 401, "only HS256 tokens are accepted"};
  }
  std::string signature;
  if (!base64url_decode(parts->signature, signature)) return ApiError{"invalid_signature", 401, "bad signature"};
  const std::string signing_input =
      std::string(parts->header) + "." + std::string(parts->payload);
  const std::string expected = hmac_sha256(secret, signing_input);
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return ApiError{"invalid_signature", 401, "token signature does not match the app secret"};
  }
  auto payload = decode_json(parts->payload);
  if (!payload) return invalid_token("token payload is not valid base64url JSON");

  TokenClaims claims;
  if (!read_time_claim(*payload, "exp", claims.exp) || !read_time_claim(*payload, "iat", claims.iat) ||
      !read_time_claim(*payload, "nbf", claims.nbf)) {
    return invalid_token("exp, iat and nbf must be numbers");
  }
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (claims.exp && now_s > *claims.exp + kClockSkew.count()) {
    return ApiError{"token_expired", 401, "token has expired"};
  }
  if (claims.nbf && now_s + kClockSkew.count() < *claims.nbf) {
    return invalid_token("token is not valid yet (nbf)");
  }
  if (claims.iat && now_s + kClockSkew.count() < *claims.iat) {
    return invalid_token("token is issued in the future (iat)");
  }
  if (auto s = payload->find("server"); s != payload->end() && s->is_boolean() && s->get<bool>()) {
    claims.server = true;
  }
  if (auto u = payload->find("user_id"); u != payload->end()) {
    if (!u->is_string() || u->get_ref<const std::string&>().empty()) {
      return invalid_token("user_id must be a non-empty string");
    }
    claims.user_id = u->get<std::string>();
  }
  if (!claims.server && claims.user_id.empty()) return invalid_token("token has neither server nor user_id");
  return claims;
}

}  // namespace parley::auth
