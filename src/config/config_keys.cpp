// The table of every configuration key: parsing, validation and help text.
#include "parley/config/config.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <limits>

namespace parley::config {
namespace {

template <class T>
std::string parse_unsigned(const std::string& v, T& out, unsigned long long min, unsigned long long max) {
  unsigned long long n = 0;
  const auto* end = v.data() + v.size();
  auto [p, ec] = std::from_chars(v.data(), end, n);
  if (v.empty() || ec != std::errc() || p != end) return "expected a whole number";
  if (n < min || n > max) return "expected a number from " + std::to_string(min) + " to " + std::to_string(max);
  out = static_cast<T>(n);
  return {};
}

std::string parse_ms(const std::string& v, milliseconds& out, unsigned long long max_ms) {
  unsigned long long n = 0;
  auto err = parse_unsigned(v, n, 0, max_ms);
  if (!err.empty()) return err + " of milliseconds";
  out = milliseconds(static_cast<long long>(n));
  return {};
}

std::string parse_bool(const std::string& v, bool& out) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") {
    out = true;
  } else if (v == "false" || v == "0" || v == "no" || v == "off") {
    out = false;
  } else {
    return "expected true or false";
  }
  return {};
}

std::string parse_listen(Config& c, const std::string& v) {
  const auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) return "expected HOST:PORT";
  std::string host = v.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  unsigned char addr[sizeof(in6_addr)];
  if (inet_pton(AF_INET, host.c_str(), addr) != 1 && inet_pton(AF_INET6, host.c_str(), addr) != 1) {
    return "expected HOST:PORT with HOST an IPv4 or IPv6 address (or localhost)";
  }
  std::uint16_t port = 0;
  auto err = parse_unsigned(v.substr(colon + 1), port, 0, 65535);
  if (!err.empty()) return "expected HOST:PORT with a port from 0 to 65535";
  c.listen_host = host;
  c.listen_port = port;
  return {};
}

std::string parse_url(const std::string& v, std::initializer_list<const char*> schemes, std::string& out,
                      bool allow_empty) {
  if (v.empty() && allow_empty) {
    out.clear();
    return {};
  }
  for (const char* s : schemes) {
    if (v.rfind(s, 0) == 0 && v.size() > std::char_traits<char>::length(s)) {
      out = v;
      return {};
    }
  }
  std::string names;
  for (const char* s : schemes) names += std::string(names.empty() ? "" : " or ") + s + "...";
  return "expected a URL starting with " + names;
}

std::string show_ms(milliseconds m) { return std::to_string(m.count()); }

const std::vector<ConfigKey> kKeys = {
    {"listen", "Address and port to serve REST and WebSocket on, plain and TLS on the same port.",
     parse_listen,
     [](const Config& c) {
       const bool v6 = c.listen_host.find(':') != std::string::npos;
       return (v6 ? "[" + c.listen_host + "]" : c.listen_host) + ":" + std::to_string(c.listen_port);
     }},
    {"io_threads", "Number of io threads, each running one io_context; 0 means one per core.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.io_threads, 0, 256); },
     [](const Config& c) { return std::to_string(c.io_threads); }},
    {"max_connections", "Open TCP connections allowed per node; more are closed at accept.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.max_connections, 1, 10000000); },
     [](const Config& c) { return std::to_string(c.max_connections); }},
    {"tls_cert", "PEM certificate chain; with tls_key, the port also accepts TLS (detected per connection).",
     [](Config& c, const std::string& v) { c.tls_cert = v; return std::string{}; },
     [](const Config& c) { return c.tls_cert; }},
    {"tls_key", "PEM private key for tls_cert.",
     [](Config& c, const std::string& v) { c.tls_key = v; return std::string{}; },
     [](const Config& c) { return c.tls_key; }},
    {"database_url", "PostgreSQL URL (postgres://user:pass@host:port/db). Required.",
     [](Config& c, const std::string& v) {
       return parse_url(v, {"postgres://", "postgresql://"}, c.database_url, false);
     },
     [](const Config& c) { return c.database_url; }},
    {"redis_url", "Redis URL (redis://[:password@]host:port). Empty: one node with the in-process bus.",
     [](Config& c, const std::string& v) { return parse_url(v, {"redis://"}, c.redis_url, true); },
     [](const Config& c) { return c.redis_url; }},
    {"node_id", "Name of this node in logs and metrics; empty means the host name.",
     [](Config& c, const std::string& v) {
       if (v.size() > 64) return std::string("expected at most 64 characters");
       for (char ch : v) {
         if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.') {
           return std::string("expected letters, digits, '-', '_' or '.'");
         }
       }
       c.node_id = v;
       return std::string{};
     },
     [](const Config& c) { return c.node_id; }},
    {"migrate", "serve: apply pending migrations before serving.",
     [](Config& c, const std::string& v) { return parse_bool(v, c.migrate); },
     [](const Config& c) { return std::string(c.migrate ? "true" : "false"); }, true},
    {"db_pool_size", "PostgreSQL connections (one worker thread each).",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.db_pool_size, 1, 512); },
     [](const Config& c) { return std::to_string(c.db_pool_size); }},
    {"db_queue_limit", "Database calls allowed to wait for a connection (a connect storm queues here); more are answered 503 unavailable.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.db_queue_limit, 1, 1000000); },
     [](const Config& c) { return std::to_string(c.db_queue_limit); }},
    {"db_queue_timeout_ms", "Longest a database call waits in the queue for a connection; past it: 503 unavailable.",
     [](Config& c, const std::string& v) { return parse_ms(v, c.db_queue_timeout, 600000); },
     [](const Config& c) { return show_ms(c.db_queue_timeout); }},
    {"db_statement_timeout_ms", "PostgreSQL statement_timeout for every connection.",
     [](Config& c, const std::string& v) { return parse_ms(v, c.db_statement_timeout, 3600000); },
     [](const Config& c) { return show_ms(c.db_statement_timeout); }},
    {"db_connect_timeout_ms", "Timeout for opening one PostgreSQL connection.",
     [](Config& c, const std::string& v) { return parse_ms(v, c.db_connect_timeout, 600000); },
     [](const Config& c) { return show_ms(c.db_connect_timeout); }},
    {"db_group_commit_max", "Most message sends that share one transaction (group commit); 1 gives each send its own.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.db_group_commit_max, 1, 1000); },
     [](const Config& c) { return std::to_string(c.db_group_commit_max); }},
    {"db_group_commit_batches", "Send transactions (group commits) in flight at once, each on its own connection.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.db_group_commit_batches, 1, 512); },
     [](const Config& c) { return std::to_string(c.db_group_commit_batches); }},
    {"event_retention_s", "Channel events are kept this many seconds; older positions get 410 gone. 0 keeps them forever.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.event_retention_s, 0, 10ULL * 365 * 86400); },
     [](const Config& c) { return std::to_string(c.event_retention_s); }},
    {"event_prune_interval_ms", "How often a node deletes channel events older than event_retention_s.",
     [](Config& c, const std::string& v) { return parse_ms(v, c.event_prune_interval, 86400000); },
     [](const Config& c) { return show_ms(c.event_prune_interval); }},
    {"http_header_limit", "Largest HTTP header block in bytes; larger gets 431.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.http_header_limit, 1024, 1048576); },
     [](const Config& c) { return std::to_string(c.http_header_limit); }},
    {"http_body_limit", "Largest HTTP request body in bytes; larger gets 413.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.http_body_limit, 1024, 1073741824); },
     [](const Config& c) { return std::to_string(c.http_body_limit); }},
    {"json_max_depth", "Deepest JSON nesting accepted in a request; deeper gets 400 invalid_json.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.json_max_depth, 2, 1000); },
     [](const Config& c) { return std::to_string(c.json_max_depth); }},
    {"http_header_timeout_ms", "Time allowed to send a complete request head (slowloris guard).",
     [](Config& c, const std::string& v) { return parse_ms(v, c.http_header_timeout, 3600000); },
     [](const Config& c) { return show_ms(c.http_header_timeout); }},
    {"http_idle_timeout_ms", "Idle keep-alive connections are closed after this long.",
     [](Config& c, const std::string& v) { return parse_ms(v, c.http_idle_timeout, 86400000); },
     [](const Config& c) { return show_ms(c.http_idle_timeout); }},
    {"ws_frame_limit", "Largest WebSocket message from a client in bytes; larger closes with 1009.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.ws_frame_limit, 1024, 16777216); },
     [](const Config& c) { return std::to_string(c.ws_frame_limit); }},
    {"ws_heartbeat_s", "Seconds between health.check events; dead peers are dropped after two missed.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.ws_heartbeat_s, 1, 3600); },
     [](const Config& c) { return std::to_string(c.ws_heartbeat_s); }},
    {"ws_max_connections_per_user",
     "Open WebSocket connections one user may hold on all nodes together; one more closes with 4029.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.ws_max_connections_per_user, 1, 100000); },
     [](const Config& c) { return std::to_string(c.ws_max_connections_per_user); }},
    {"ws_send_queue_bytes", "Bytes queued for one WebSocket client before it is closed with 4008.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.ws_send_queue_bytes, 1024, 1073741824); },
     [](const Config& c) { return std::to_string(c.ws_send_queue_bytes); }},
    {"ws_send_queue_frames", "Frames queued for one WebSocket client before it is closed with 4008.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.ws_send_queue_frames, 1, 1000000); },
     [](const Config& c) { return std::to_string(c.ws_send_queue_frames); }},
    {"redis_publish_queue", "Events waiting to be published to Redis; more are dropped and counted.",
     [](Config& c, const std::string& v) { return parse_unsigned(v, c.redis_publish_queue, 1, 10000000); },
     [](const Config& c) { return std::to_string(c.redis_publish_queue); }},
    {"drain_delay_ms", "On SIGTERM, /readyz answers 503 this long before the listener closes.",
     [](Config& c, const std::string& v) { return parse_ms(v, c.drain_delay, 600000); },
     [](const Config& c) { return show_ms(c.drain_delay); }},
    {"drain_grace_ms", "On SIGTERM, in-flight requests get this long to finish before exit.",
     [](Config& c, const std::string& v) { return parse_ms(v, c.drain_grace, 600000); },
     [](const Config& c) { return show_ms(c.drain_grace); }},
    {"drain_reconnect_jitter_ms", "Upper bound of reconnect_in_ms sent to WebSocket clients when draining.",
     [](Config& c, const std::string& v) { return parse_ms(v, c.drain_reconnect_jitter, 600000); },
     [](const Config& c) { return show_ms(c.drain_reconnect_jitter); }},
    {"log_level", "trace, debug, info, warn, error, critical or off.",
     [](Config& c, const std::string& v) {
       for (const char* l : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
         if (v == l) {
           c.log_level = v;
           return std::string{};
         }
       }
       return std::string("expected trace, debug, info, warn, error, critical or off");
     },
     [](const Config& c) { return c.log_level; }},
};

}  // namespace

const std::vector<ConfigKey>& config_keys() { return kKeys; }

}  // namespace parley::config
