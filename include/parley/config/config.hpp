#pragma once
// Parley's configuration: one struct, filled from defaults < config file <
// PARLEY_* environment variables < command-line flags. Every key is listed
// once in config_keys() (name, default, help); docs/operations.md mirrors it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace parley::config {

using std::chrono::milliseconds;

/// All settings of one parley process. Plain data, copied freely; read-only once serving.
struct Config {
  // network
  std::string listen_host = "0.0.0.0";
  std::uint16_t listen_port = 8080;
  int io_threads = 0;  // 0: one per core
  std::size_t max_connections = 100000;
  std::string tls_cert;
  std::string tls_key;
  // dependencies
  std::string database_url;
  std::string redis_url;  // empty: single node with the in-process bus
  std::string node_id;    // empty: the host name
  bool migrate = false;
  // storage
  std::size_t db_pool_size = 8;
  std::size_t db_queue_limit = 16384;
  milliseconds db_queue_timeout{5000};  // longest wait of a call in the pool queue
  milliseconds db_statement_timeout{5000};
  milliseconds db_connect_timeout{5000};
  std::size_t db_group_commit_max = 64;     // sends per shared transaction; 1: one transaction per send
  std::size_t db_group_commit_batches = 2;  // send transactions in flight at once
  // history
  std::uint64_t event_retention_s = 30ULL * 86400;  // channel events kept this long; 0: forever
  milliseconds event_prune_interval{60000};
  // http
  std::size_t http_header_limit = 16 * 1024;
  std::size_t http_body_limit = 1024 * 1024;
  std::size_t json_max_depth = 32;
  milliseconds http_header_timeout{10000};
  milliseconds http_idle_timeout{60000};
  // websocket
  std::size_t ws_frame_limit = 64 * 1024;
  int ws_heartbeat_s = 25;
  std::size_t ws_max_connections_per_user = 10;  // open WebSocket connections per user, all nodes together
  std::size_t ws_send_queue_bytes = 1024 * 1024;
  std::size_t ws_send_queue_frames = 1024;
  // redis bus
  std::size_t redis_publish_queue = 65536;
  // drain
  milliseconds drain_delay{0};
  milliseconds drain_grace{10000};
  milliseconds drain_reconnect_jitter{5000};
  // logs
  std::string log_level = "info";
};

/// Thrown for any invalid input; what() is the one-line message printed before exit code 2.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One documented key: `name` in files, `--name-with-dashes` as a flag, `PARLEY_NAME` in the environment.
struct ConfigKey {
  const char* name;
  const char* help;
  /// Parses and stores `value`; returns an error text (empty when valid).
  std::string (*set)(Config&, const std::string& value);
  /// The current value as text (for defaults in docs and `parley config`).
  std::string (*get)(const Config&);
  bool is_flag_switch = false;  // a boolean flag that may be given without a value
};

const std::vector<ConfigKey>& config_keys();

/// Loads the configuration. `args` are the flags after the subcommand; flags
/// that are not config keys are an error unless listed in `extra_flags`, which
/// receives their values; those in `extra_switch_names` may be given bare
/// (value "true"). `env` is the process environment (name -> value).
Config load_config(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                   std::map<std::string, std::string>* extra_flags = nullptr,
                   const std::vector<std::string>& extra_flag_names = {},
                   const std::vector<std::string>& extra_switch_names = {});

/// The process environment as a map.
std::map<std::string, std::string> process_environment();

/// "database_url" -> "PARLEY_DATABASE_URL"; "--database-url" spelling -> "database-url".
std::string env_name(const std::string& key);
std::string flag_name(const std::string& key);

}  // namespace parley::config
