#pragma once
// Writing JSON text directly, for hot responses built without a JSON tree
// (nlohmann would allocate a node per value and then serialize them all).
#include <string>
#include <string_view>

namespace parley::protocol {

/// Appends `s` as a JSON string literal (quotes included). Escapes '"', '\\' and control characters;
/// other bytes are copied (the text comes from PostgreSQL, which holds valid UTF-8).
void append_json_string(std::string& out, std::string_view s);

}  // namespace parley::protocol
