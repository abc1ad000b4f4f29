#include "parley/protocol/api_error.hpp"

namespace parley::protocol {

nlohmann::json ApiError::to_json() const {
  return {{"error", {{"code", code}, {"message", message}, {"status", status}, {"details", details}}}};
}

ApiError ApiError::invalid_request(std::string message, nlohmann::json details) {
  return {"invalid_request", 400, std::move(message), std::move(details)};
}
ApiError ApiError::invalid_json(std::string message) { return {"invalid_json", 400, std::move(message)}; }
ApiError ApiError::unauthenticated(std::string message) { return {"unauthenticated", 401, std::move(message)}; }
ApiError ApiError::forbidden(std::string message) { return {"forbidden", 403, std::move(message)}; }
ApiError ApiError::not_found(std::string message) { return {"not_found", 404, std::move(message)}; }
ApiError ApiError::method_not_allowed(std::string message) {
  return {"method_not_allowed", 405, std::move(message)};
}
ApiError ApiError::conflict(std::string message) { return {"conflict", 409, std::move(message)}; }
ApiError ApiError::payload_too_large(std::string message, nlohmann::json details) {
  return {"payload_too_large", 413, std::move(message), std::move(details)};
}
ApiError ApiError::header_too_large(std::string message) {
  return {"header_too_large", 431, std::move(message)};
}
ApiError ApiError::unavailable(std::string message) { return {"unavailable", 503, std::move(message)}; }
ApiError ApiError::internal(std::string request_id) {
  return {"internal", 500, "internal error; quote request id " + request_id + " to the operator",
          {{"request_id", std::move(request_id)}}};
}

}  // namespace parley::protocol
