#pragma once
// Identifier rules of API.md section 1. Pure.
#include <string_view>

namespace parley::protocol {

/// ^[A-Za-z0-9@_.\-!]{1,64}$
bool is_valid_user_id(std::string_view id);
bool is_valid_channel_id(std::string_view id);
/// ^[a-z0-9_\-]{1,32}$
bool is_valid_channel_type(std::string_view type);
/// ^[A-Za-z0-9_\-]{1,64}$
bool is_valid_message_id(std::string_view id);
/// Number of Unicode code points in valid UTF-8 (bytes that start a code point).
std::size_t utf8_length(std::string_view text);

}  // namespace parley::protocol
