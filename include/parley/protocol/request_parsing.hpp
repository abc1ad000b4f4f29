#pragma once
// Parsing what clients send, shared by REST (http/) and WebSocket (ws/): request targets with their
// percent-encoded query, and JSON with a nesting limit and without NUL characters. Pure.
#include "parley/protocol/api_error.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <variant>

namespace parley::protocol {

/// Splits "a/b?x=1&y=%20" into path and decoded query; false if the encoding is broken.
bool parse_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query);
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);

/// True when any string or key holds a NUL character (PostgreSQL text cannot store it).
bool contains_nul(const nlohmann::json& j);

/// Parses JSON with a nesting limit, refusing NUL characters; an ApiError (invalid_json) on failure.
std::variant<nlohmann::json, ApiError> parse_json_limited(std::string_view text, std::size_t max_depth);

}  // namespace parley::protocol
