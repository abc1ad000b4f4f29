#pragma once
// The JSON error envelope of API.md section 3, as a value. Pure: no I/O.
#include <nlohmann/json.hpp>

#include <string>

namespace parley::protocol {

/// A domain or protocol failure that a client sees: code, HTTP status, message.
struct ApiError {
  std::string code;
  int status = 400;
  std::string message;
  nlohmann::json details = nlohmann::json::object();

  /// {"error": {"code","message","status","details"}}
  [[nodiscard]] nlohmann::json to_json() const;

  static ApiError invalid_request(std::string message, nlohmann::json details = nlohmann::json::object());
  static ApiError invalid_json(std::string message);
  static ApiError unauthenticated(std::string message);
  static ApiError forbidden(std::string message);
  static ApiError not_found(std::string message);
  static ApiError method_not_allowed(std::string message);
  static ApiError conflict(std::string message);
  static ApiError payload_too_large(std::string message, nlohmann::json details = nlohmann::json::object());
  static ApiError header_too_large(std::string message);
  static ApiError unavailable(std::string message);
  static ApiError internal(std::string request_id);
};

}  // namespace parley::protocol
