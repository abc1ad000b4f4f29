#pragma once
// What a REST handler sees of one request, and the helpers to answer it.
#include "parley/config/config.hpp"
#include "parley/protocol/api_error.hpp"
#include "parley/protocol/request_parsing.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace parley::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

/// One request's context; lives in the session coroutine for the request's duration (one io thread).
struct RequestContext {
  const Request& request;
  const config::Config& config;
  std::string path;                           // target without the query string
  std::map<std::string, std::string> query;   // percent-decoded
  std::map<std::string, std::string> params;  // from the route pattern
  std::string request_id;
  std::string remote_ip;

  std::optional<std::string> query_param(const std::string& name) const;
  std::string header(std::string_view name) const;
  /// The body as a JSON object, honouring json_max_depth; an ApiError (invalid_json) otherwise.
  std::variant<nlohmann::json, protocol::ApiError> json_body() const;
};

Response json_response(unsigned status, const nlohmann::json& body);
/// A JSON response whose body is already serialized.
Response json_text_response(unsigned status, std::string text);
Response error_response(const protocol::ApiError& error);

// Request parsing lives in protocol/ (shared with the WebSocket ops).
using protocol::contains_nul;
using protocol::parse_json_limited;
using protocol::parse_target;
using protocol::percent_decode;

}  // namespace parley::http
