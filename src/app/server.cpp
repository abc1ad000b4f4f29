#include "parley/app/server.hpp"

#include "parley/auth/authenticator.hpp"
#include "parley/auth/user_state_cache.hpp"
#include "parley/bus/bus.hpp"
#include "parley/chat/member_role_cache.hpp"
#include "parley/chat/channel_type_cache.hpp"
#include "parley/chat/event_log.hpp"
#include "parley/http/chat_routes.hpp"
#include "parley/http/system_routes.hpp"
#include "parley/net/io_context_pool.hpp"
#include "parley/net/listener.hpp"
#include "parley/realtime/hub.hpp"
#include "parley/obs/log.hpp"
#include "parley/storage/db_pool.hpp"
#include "parley/storage/migrator.hpp"
#include "parley/ws/ws_gateway.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>

#include <charconv>
#include <thread>

namespace parley::app {

namespace asio = boost::asio;

namespace {

std::unique_ptr<asio::ssl::context> make_tls_context(const config::Config& c) {
  if (c.tls_cert.empty()) return nullptr;
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                   asio::ssl::context::single_dh_use);
  ctx->use_certificate_chain_file(c.tls_cert);
  ctx->use_private_key_file(c.tls_key, asio::ssl::context::pem);
  return ctx;
}

// Every event_prune_interval: delete channel events past event_retention_s (one node at a time).
asio::awaitable<void> prune_events_periodically(storage::DbPool& db, const config::Config& config) {
  if (config.event_retention_s == 0) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(config.event_prune_interval);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    try {
      const std::uint64_t retention_s = config.event_retention_s;
      auto prune = [retention_s](chat::Connection& c) { return chat::prune_events(c, retention_s); };
      const std::size_t deleted = co_await db.run(std::move(prune));
      if (deleted > 0) obs::info("channel events pruned", {{"deleted", deleted}});
    } catch (const std::exception& e) {
      obs::warn("pruning channel events failed", {{"error", e.what()}});
    }
  }
}

// SIGTERM/SIGINT: readyz 503 -> (drain_delay) -> stop accepting -> drain
// connections -> wait for them up to drain_grace -> stop the io threads.
asio::awaitable<void> drain_on_signal(asio::signal_set& signals, net::ServerContext& server, net::Listener& listener,
                                      net::IoContextPool& pool) {
  auto [ec, signo] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  obs::info("draining", {{"signal", signo}});
  server.draining.store(true);
  // A second SIGTERM/SIGINT skips the rest of the drain.
  signals.async_wait([&pool](const boost::system::error_code& e, int) {
    if (e) return;
    obs::warn("second signal: stopping without waiting for connections");
    pool.stop();
  });
  asio::steady_timer timer(co_await asio::this_coro::executor);
  if (server.config.drain_delay.count() > 0) {
    timer.expires_after(server.config.drain_delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  listener.close();
  server.connections.drain_all();
  const auto deadline = std::chrono::steady_clock::now() + server.config.drain_grace;
  while (server.connections.size() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  obs::info("drained", {{"connections_left", server.connections.size()}});
  signals.cancel();
  pool.stop();
}

// Every client holds a socket: raise the soft open-files limit to the hard one (the default soft
// limit is often 1024, far below max_connections).
void raise_open_files_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  const auto before = lim.rlim_cur;
  lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? rlim_t{1048576} : lim.rlim_max;  // the kernel's usual nr_open
  if (setrlimit(RLIMIT_NOFILE, &lim) == 0) {
    obs::info("open files limit raised", {{"from", before}, {"to", lim.rlim_cur}});
  } else {
    obs::warn("could not raise the open files limit", {{"limit", before}});
  }
}

}  // namespace

int run_server(const config::Config& config) {
  raise_open_files_limit();
  const std::size_t threads =
      config.io_threads > 0 ? static_cast<std::size_t>(config.io_threads) : std::max(1u, std::thread::hardware_concurrency());

  if (config.migrate) {
    const auto applied = storage::apply_migrations(storage::with_connect_timeout(config.database_url, config.db_connect_timeout));
    obs::info("migrations applied", {{"applied", applied}});
  }

  storage::DbPool db({config.database_url, config.db_pool_size, config.db_queue_limit, config.db_statement_timeout,
                      config.db_connect_timeout, config.db_queue_timeout});
  auto bus = bus::make_bus(config.redis_url, config.redis_publish_queue);
  auth::Authenticator authenticator(db);
  auto tls = make_tls_context(config);

  net::IoContextPool pool(threads);
  obs::ServerMetrics metrics;
  net::ConnectionRegistry connections;
  http::Router router;
  net::ServerContext server{config, metrics, router, connections, nullptr, tls.get()};
  realtime::Hub hub(pool, *bus, db);
  // Per-node caches: a change on one node drops the entries on every node (through Redis), and
  // the TTL bounds staleness while Redis is down.
  auto& type_cache = chat::channel_type_cache();
  auto& user_cache = auth::user_state_cache();
  auto& role_cache = chat::member_role_cache();
  type_cache.set_broadcast([&hub](std::int64_t app_id) { hub.broadcast_invalidation("types " + std::to_string(app_id)); });
  user_cache.set_broadcast([&hub](std::int64_t app_id, const std::vector<std::string>& ids) {
    hub.broadcast_invalidation("users " + auth::encode_user_invalidation(app_id, ids));
  });
  role_cache.set_broadcast([&hub](std::int64_t channel_pk) {
    hub.broadcast_invalidation("members " + std::to_string(channel_pk));
  });
  authenticator.set_broadcast([&hub](const std::string& api_key) { hub.broadcast_invalidation("app " + api_key); });
  hub.set_invalidation_handler([&type_cache, &user_cache, &role_cache, &authenticator](const std::string& message) {
    std::int64_t app_id = 0;
    std::vector<std::string> ids;
    if (message == "all") {  // the bus is back: whatever was invalidated meanwhile never reached us
      type_cache.invalidate_all();
      authenticator.invalidate_all();
      user_cache.set_enabled(true);
      role_cache.set_enabled(true);
    } else if (message.rfind("app ", 0) == 0) {
      authenticator.invalidate(message.substr(4));
    } else if (message == "offline") {
      user_cache.set_enabled(false);
      role_cache.set_enabled(false);
    } else if (message.rfind("types ", 0) == 0 &&
               std::from_chars(message.data() + 6, message.data() + message.size(), app_id).ec == std::errc()) {
      type_cache.invalidate_app(app_id);
    } else if (message.rfind("users ", 0) == 0 &&
               auth::decode_user_invalidation(std::string_view(message).substr(6), app_id, ids)) {
      for (const auto& id : ids) user_cache.invalidate(app_id, id);
    } else if (message.rfind("members ", 0) == 0 &&
               std::from_chars(message.data() + 8, message.data() + message.size(), app_id).ec == std::errc()) {
      role_cache.invalidate_channel(app_id);  // here the number is a channel pk
    }
  });
  // Read after the handler is in place, so a state change in between is not lost.
  user_cache.set_enabled(bus->connected());
  role_cache.set_enabled(bus->connected());
  hub.start();
  chat::GroupCommitter sends(db, {config.db_group_commit_max, config.db_group_commit_batches, config.db_queue_limit},
                             &hub);
  auto presence = realtime::make_presence(
      config.redis_url, hub,
      {std::chrono::seconds(config.ws_heartbeat_s), config.ws_max_connections_per_user, config.redis_publish_queue});
  presence->start(pool.at(0));
  chat::Database database(db);     // what the transports and system endpoints run on
  chat::Services services(database, hub);  // chat operations; what they commit goes to the Hub
  ws::WsDeps ws_deps{config, metrics, connections, authenticator, config.node_id, services, sends, hub, *presence};
  ws::WsGateway gateway(ws_deps);
  server.websocket = &gateway;
  http::SystemStatus status{database,  *bus,           !config.redis_url.empty(), server.draining, metrics,
                            config.node_id, PARLEY_VERSION, &sends, &hub, presence.get()};
  http::add_system_routes(router, status);
  http::ChatRouteDeps chat_deps{authenticator, services, sends};
  http::add_chat_routes(router, chat_deps);

  net::Listener listener(pool, server);
  const auto port = listener.open(config.listen_host, config.listen_port);
  listener.start(pool.at(0));

  asio::co_spawn(pool.at(0), prune_events_periodically(db, config), asio::detached);

  asio::signal_set signals(pool.at(0), SIGINT, SIGTERM);
  asio::co_spawn(pool.at(0), drain_on_signal(signals, server, listener, pool), asio::detached);

  obs::info("listening", {{"host", config.listen_host},
                          {"port", port},
                          {"tls", tls != nullptr},
                          {"io_threads", threads},
                          {"redis", config.redis_url.empty() ? "none" : obs::redact_url(config.redis_url)},
                          {"database", obs::redact_url(config.database_url)}});
  pool.run();
  pool.join();
  presence->stop();
  type_cache.set_broadcast(nullptr);
  bus->stop();
  db.stop();
  obs::info("stopped");
  return 0;
}

}  // namespace parley::app
