#include "parley/obs/log.hpp"

#include "parley/protocol/timestamp.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <stdexcept>

namespace parley::obs {
namespace {

std::string g_node_id;  // set once before any io thread starts
constexpr std::size_t kLogQueueLines = 8192;

}  // namespace

void init_logging(std::string_view level, std::string node_id) {
  const auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown log level");
  }
  g_node_id = std::move(node_id);
  static std::once_flag once;
  std::call_once(once, [] {
    spdlog::init_thread_pool(kLogQueueLines, 1);
    auto sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    auto logger = std::make_shared<spdlog::async_logger>("parley", sink, spdlog::thread_pool(),
                                                         spdlog::async_overflow_policy::overrun_oldest);
    logger->set_pattern("%v");
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
  });
  spdlog::set_level(lvl);
}

void shutdown_logging() {
  spdlog::default_logger()->flush();
  spdlog::shutdown();
}

void log(spdlog::level::level_enum level, std::string_view msg, const nlohmann::json& fields) {
  if (!spdlog::should_log(level)) return;
  nlohmann::json line = {{"ts", protocol::now_timestamp()},
                         {"level", spdlog::level::to_string_view(level).data()},
                         {"msg", msg}};
  if (!g_node_id.empty()) line["node"] = g_node_id;
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
  }
  spdlog::log(level, "{}", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string redact_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const auto authority_start = scheme_end + 3;
  const auto at = url.find('@', authority_start);
  const auto slash = url.find('/', authority_start);
  if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) {
    return std::string(url);
  }
  const auto colon = url.find(':', authority_start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

}  // namespace parley::obs
