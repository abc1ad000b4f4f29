#pragma once
// GET /healthz, /readyz and /metrics.
#include "parley/bus/bus.hpp"
#include "parley/chat/database.hpp"
#include "parley/chat/group_commit.hpp"
#include "parley/http/router.hpp"
#include "parley/realtime/hub.hpp"
#include "parley/realtime/presence.hpp"
#include "parley/obs/metrics.hpp"

#include <atomic>
#include <string>

namespace parley::http {

/// What the system endpoints read; everything outlives the router.
struct SystemStatus {
  chat::Database& db;
  bus::Bus& bus;
  bool redis_configured = false;
  const std::atomic<bool>& draining;
  const obs::ServerMetrics& metrics;
  std::string node_id;
  std::string version;
  const chat::GroupCommitter* sends = nullptr;  // message group commit counters, when serving chat
  const realtime::Hub* hub = nullptr;            // fan-out counters
  const realtime::Presence* presence = nullptr;  // presence counters
};

void add_system_routes(Router& router, const SystemStatus& status);

}  // namespace parley::http
