#include "parley/http/system_routes.hpp"

#include "parley/auth/user_state_cache.hpp"
#include "parley/chat/member_role_cache.hpp"
#include "parley/chat/channel_type_cache.hpp"

#include "parley/protocol/timestamp.hpp"


namespace parley::http {

namespace bhttp = boost::beast::http;
using obs::prom_help;
using obs::prom_metric;
using obs::prom_value;

namespace {

boost::asio::awaitable<Response> readyz(const SystemStatus& s) {
  nlohmann::json checks = nlohmann::json::object();
  bool ready = true;
  if (s.draining.load()) {
    ready = false;
    checks["draining"] = true;
  }
  try {
    co_await s.db.ping();
    checks["postgres"] = "ok";
  } catch (const std::exception&) {
    checks["postgres"] = "unreachable";
    ready = false;
  }
  if (s.redis_configured) {
    const bool up = s.bus.connected();
    checks["redis"] = up ? "ok" : "disconnected";
    ready = ready && up;
  } else {
    checks["redis"] = "not_configured";
  }
  if (ready) co_return json_response(200, {{"status", "ready"}, {"checks", checks}});
  protocol::ApiError err =
      protocol::ApiError::unavailable(s.draining.load() ? "node is draining" : "a dependency is down");
  err.details = {{"checks", checks}};
  co_return error_response(err);
}

Response metrics_text(const SystemStatus& s) {
  std::string out;
  out.reserve(16 * 1024);
  prom_help(out, "parley_build_info", "gauge", "Build and node information.");
  prom_value(out, "parley_build_info", "version=\"" + s.version + "\",node=\"" + s.node_id + "\"", 1);
  prom_metric(out, "parley_draining", "gauge", "1 while the node drains after SIGTERM.", s.draining.load() ? 1 : 0);
  s.metrics.render(out);

  const auto db = s.db.stats();
  prom_metric(out, "parley_db_pool_size", "gauge", "PostgreSQL connections in the pool.", static_cast<double>(db.size));
  prom_metric(out, "parley_db_pool_in_use", "gauge", "PostgreSQL connections running a call.",
              static_cast<double>(db.in_use));
  prom_metric(out, "parley_db_pool_waiting", "gauge", "Database calls waiting for a connection.",
              static_cast<double>(db.waiting));
  prom_metric(out, "parley_db_pool_rejected_total", "counter", "Database calls refused because the queue was full.",
              static_cast<double>(db.rejected));
  prom_metric(out, "parley_db_pool_expired_total", "counter",
              "Database calls that waited past db_queue_timeout_ms and failed without running.",
              static_cast<double>(db.expired));
  prom_metric(out, "parley_db_connect_failures_total", "counter", "Failed attempts to open a PostgreSQL connection.",
              static_cast<double>(db.connect_failures));

  const auto bus = s.bus.stats();
  prom_metric(out, "parley_redis_configured", "gauge", "1 when this node uses Redis for its bus.",
              s.redis_configured ? 1 : 0);
  prom_metric(out, "parley_redis_connected", "gauge", "1 when the Redis bus is connected (publisher and subscriber).",
              s.redis_configured && bus.connected ? 1 : 0);
  prom_metric(out, "parley_bus_published_total", "counter", "Events published on the bus.",
              static_cast<double>(bus.published));
  prom_metric(out, "parley_bus_received_total", "counter", "Events received from the bus.",
              static_cast<double>(bus.received));
  prom_metric(out, "parley_bus_dropped_total", "counter", "Events dropped by the bus (queue full or Redis down).",
              static_cast<double>(bus.dropped));
  prom_metric(out, "parley_bus_reconnects_total", "counter", "Redis reconnections.",
              static_cast<double>(bus.reconnects));
  prom_metric(out, "parley_bus_subscriptions", "gauge", "Bus channels this node is subscribed to.",
              static_cast<double>(bus.subscriptions));
  if (s.hub != nullptr) {
    const auto h = s.hub->stats();
    prom_metric(out, "parley_events_published_total", "counter", "Channel events committed on this node and fanned out.",
                static_cast<double>(h.published));
    prom_metric(out, "parley_events_received_total", "counter", "Channel events received from other nodes (bus).",
                static_cast<double>(h.received));
    prom_metric(out, "parley_events_delivered_total", "counter",
                "Events passed to this node's watchers (once per event, whatever the number of watchers).",
                static_cast<double>(h.delivered));
    prom_metric(out, "parley_events_duplicates_total", "counter", "Events dropped as already delivered (echoes, replays).",
                static_cast<double>(h.duplicates));
    prom_metric(out, "parley_event_gap_fills_total", "counter",
                "Reads from PostgreSQL to fill a seq gap or catch up after a Redis reconnect.",
                static_cast<double>(h.gap_fills));
    prom_metric(out, "parley_watched_channels", "gauge", "Channels watched by at least one connection of this node.",
                static_cast<double>(h.feeds));
    prom_help(out, "parley_fanout_latency_seconds", "histogram",
              "From an event's publication after its commit (on any node) to its hand-off to this node's watchers.");
    s.hub->fanout_latency().render(out, "parley_fanout_latency_seconds", "");
  }
  if (s.presence != nullptr) {
    const auto p = s.presence->stats();
    prom_metric(out, "parley_presence_connections", "gauge", "Connections of this node registered in presence.",
                static_cast<double>(p.local_connections));
    prom_metric(out, "parley_presence_changes_total", "counter",
                "user.presence.changed events announced by this node (online, offline, dead nodes' users).",
                static_cast<double>(p.announced));
    prom_metric(out, "parley_connections_refused_total", "counter",
                "Connections refused with 4029: the user was at ws_max_connections_per_user.",
                static_cast<double>(p.refused));
    prom_metric(out, "parley_presence_unavailable_total", "counter",
                "Presence operations that could not reach Redis (connections let in without presence).",
                static_cast<double>(p.unavailable));
    prom_metric(out, "parley_presence_dead_nodes_total", "counter", "Dead nodes whose presence this node cleaned up.",
                static_cast<double>(p.dead_nodes));
  }
  if (s.sends != nullptr) {
    const auto gc = s.sends->stats();
    prom_metric(out, "parley_send_transactions_total", "counter",
                "Message-send transactions run (group commit: one carries up to db_group_commit_max sends).",
                static_cast<double>(gc.transactions));
    prom_metric(out, "parley_sends_committed_total", "counter", "Message sends (accepted or refused) that went through those transactions.",
                static_cast<double>(gc.sends));
  }

  obs::prom_help(out, "parley_db_statements_total", "counter", "Executions of each prepared hot-path statement.");
  for (const auto& [name, count] : db.statements) {
    obs::prom_value(out, "parley_db_statements_total", std::string("statement=\"") + name + "\"",
                    static_cast<double>(count));
  }
  const auto& types = chat::channel_type_cache();
  obs::prom_help(out, "parley_cache_lookups_total", "counter", "Per-node cache lookups by cache and result.");
  obs::prom_value(out, "parley_cache_lookups_total", "cache=\"channel_types\",result=\"hit\"",
                  static_cast<double>(types.hits()));
  obs::prom_value(out, "parley_cache_lookups_total", "cache=\"channel_types\",result=\"miss\"",
                  static_cast<double>(types.misses()));
  const auto& users = auth::user_state_cache();
  obs::prom_value(out, "parley_cache_lookups_total", "cache=\"user_auth_states\",result=\"hit\"",
                  static_cast<double>(users.hits()));
  obs::prom_value(out, "parley_cache_lookups_total", "cache=\"user_auth_states\",result=\"miss\"",
                  static_cast<double>(users.misses()));
  const auto& roles = chat::member_role_cache();
  obs::prom_value(out, "parley_cache_lookups_total", "cache=\"member_roles\",result=\"hit\"",
                  static_cast<double>(roles.hits()));
  obs::prom_value(out, "parley_cache_lookups_total", "cache=\"member_roles\",result=\"miss\"",
                  static_cast<double>(roles.misses()));
  obs::prom_metric(out, "parley_user_cache_enabled", "gauge",
                   "1 while the user auth state cache serves (0 while the bus, and so other nodes' invalidations, is down).",
                   users.enabled() ? 1.0 : 0.0);

  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.body() = std::move(out);
  res.prepare_payload();
  return res;
}

}  // namespace

void add_system_routes(Router& router, const SystemStatus& status) {
  const SystemStatus* s = &status;
  router.add(bhttp::verb::get, "/healthz", obs::RouteClass::system,
             [s](RequestContext&) -> boost::asio::awaitable<Response> {
               co_return json_response(
                   200, {{"status", "ok"}, {"node", s->node_id}, {"server_time", protocol::now_timestamp()}});
             });
  router.add(bhttp::verb::get, "/readyz", obs::RouteClass::system,
             [s](RequestContext&) -> boost::asio::awaitable<Response> { co_return co_await readyz(*s); });
  router.add(bhttp::verb::get, "/metrics", obs::RouteClass::system,
             [s](RequestContext&) -> boost::asio::awaitable<Response> { co_return metrics_text(*s); });
}

}  // namespace parley::http
