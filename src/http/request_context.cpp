#include "parley/http/request_context.hpp"

namespace parley::http {

using protocol::ApiError;

std::optional<std::string> RequestContext::query_param(const std::string& name) const {
  if (auto it = query.find(name); it != query.end()) return it->second;
  return std::nullopt;
}

std::string RequestContext::header(std::string_view name) const {
  auto it = request.find(name);
  return it == request.end() ? std::string() : std::string(it->value());
}

std::variant<nlohmann::json, ApiError> RequestContext::json_body() const {
  if (request.body().empty()) return ApiError::invalid_json("request body must be a JSON object");
  auto parsed = parse_json_limited(request.body(), config.json_max_depth);
  if (auto* j = std::get_if<nlohmann::json>(&parsed); j && !j->is_object()) {
    return ApiError::invalid_json("request body must be a JSON object");
  }
  return parsed;
}

Response json_response(unsigned status, const nlohmann::json& body) {
  Response res{static_cast<boost::beast::http::status>(status), 11};
  res.set(boost::beast::http::field::content_type, "application/json");
  res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.prepare_payload();
  return res;
}

Response json_text_response(unsigned status, std::string text) {
  Response res{static_cast<boost::beast::http::status>(status), 11};
  res.set(boost::beast::http::field::content_type, "application/json");
  res.body() = std::move(text);
  res.prepare_payload();
  return res;
}

Response error_response(const ApiError& error) {
  return json_response(static_cast<unsigned>(error.status), error.to_json());
}

}  // namespace parley::http
