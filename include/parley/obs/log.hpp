#pragma once
// Structured logging: one JSON object per line on stdout, written by an
// asynchronous spdlog logger with a bounded queue (an io thread never waits
// on stdout; on overflow the oldest lines are dropped).
#include <nlohmann/json.hpp>
#include <spdlog/common.h>

#include <string>
#include <string_view>

namespace parley::obs {

/// Sets up the process-wide logger. Throws std::invalid_argument on an unknown level.
void init_logging(std::string_view level, std::string node_id);
/// Flushes and stops the asynchronous logger (call once at exit).
void shutdown_logging();

/// {"ts","level","msg","node", ...fields}
void log(spdlog::level::level_enum level, std::string_view msg, const nlohmann::json& fields = {});
inline void debug(std::string_view msg, const nlohmann::json& fields = {}) { log(spdlog::level::debug, msg, fields); }
inline void info(std::string_view msg, const nlohmann::json& fields = {}) { log(spdlog::level::info, msg, fields); }
inline void warn(std::string_view msg, const nlohmann::json& fields = {}) { log(spdlog::level::warn, msg, fields); }
inline void error(std::string_view msg, const nlohmann::json& fields = {}) { log(spdlog::level::err, msg, fields); }

/// "postgres://user:secret@host/db" -> "postgres://user:***@host/db": URLs are logged only through this.
std::string redact_url(std::string_view url);

}  // namespace parley::obs
