#pragma once
// RFC 3339 UTC timestamps with milliseconds, as API.md section 1 prescribes.
#include <chrono>
#include <string>

namespace parley::protocol {

/// "2026-11-23T00:17:10.232Z"
std::string format_timestamp(std::chrono::system_clock::time_point tp);
inline std::string now_timestamp() { return format_timestamp(std::chrono::system_clock::now()); }

}  // namespace parley::protocol
