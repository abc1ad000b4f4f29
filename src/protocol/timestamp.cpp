#include "parley/protocol/timestamp.hpp"

#include <cstdio>
#include <ctime>

namespace parley::protocol {

std::string format_timestamp(std::chrono::system_clock::time_point tp) {
  using namespace std::chrono;
  const auto ms_total = duration_cast<milliseconds>(tp.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms_total / 1000);
  const int ms = static_cast<int>(ms_total % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // roomy: -Wformat-truncation at -O3 cannot bound the int fields
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

}  // namespace parley::protocol
