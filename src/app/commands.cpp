#include "parley/app/commands.hpp"

#include "parley/app/server.hpp"
#include "parley/auth/jwt.hpp"
#include "parley/auth/random.hpp"
#include "parley/obs/log.hpp"
#include "parley/storage/app_repository.hpp"
#include "parley/storage/prepared.hpp"
#include "parley/storage/db_pool.hpp"
#include "parley/storage/migrator.hpp"

#include <unistd.h>

#include <iostream>

namespace parley::app {
namespace {

constexpr const char* kUsage = R"(usage: parley <command> [--flag value ...]

commands:
  serve                  serve REST and WebSocket on one port (flags: every config key)
  migrate                apply pending database migrations, then exit
  app create --name N    create an app (tenant); prints {"app_id","api_key","api_secret"}
  token create --api-key K (--user-id U | --server) [--exp-s N]
                         print a signed token for a user of the app (or a server token)
  config                 print the effective configuration (secrets redacted) as JSON
  version                print the version

Every configuration key is a flag (--database-url), an environment variable
(PARLEY_DATABASE_URL) and a line of the --config file (database_url = ...).
Precedence: flags > environment > file > defaults. See docs/operations.md.
)";

std::string default_node_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') return host;
  return "parley";
}

config::Config load(const std::vector<std::string>& flags, std::map<std::string, std::string>* extra = nullptr,
                    const std::vector<std::string>& extra_names = {},
                    const std::vector<std::string>& extra_switches = {}) {
  auto c = config::load_config(flags, config::process_environment(), extra, extra_names, extra_switches);
  if (c.node_id.empty()) c.node_id = default_node_id();
  return c;
}

void require_database(const config::Config& c) {
  if (c.database_url.empty()) {
    throw config::ConfigError("missing database_url (--database-url or PARLEY_DATABASE_URL)");
  }
}

// One-shot commands must not hang on an unreachable database either.
std::string command_database_url(const config::Config& c) {
  return storage::with_connect_timeout(c.database_url, c.db_connect_timeout);
}

int cmd_serve(const std::vector<std::string>& flags) {
  const auto c = load(flags);
  require_database(c);
  obs::init_logging(c.log_level, c.node_id);
  int code = 1;
  try {
    code = run_server(c);
  } catch (const std::exception& e) {
    obs::error("serve failed", {{"error", e.what()}});
  }
  obs::shutdown_logging();
  return code;
}

int cmd_migrate(const std::vector<std::string>& flags) {
  const auto c = load(flags);
  require_database(c);
  const auto applied = storage::apply_migrations(command_database_url(c));
  std::cout << nlohmann::json{{"applied", applied}}.dump() << "\n";
  return 0;
}

int cmd_app_create(const std::vector<std::string>& flags) {
  std::map<std::string, std::string> extra;
  const auto c = load(flags, &extra, {"name"});
  require_database(c);
  const std::string name = extra["name"];
  if (name.empty() || name.size() > 200) throw config::ConfigError("app create needs --name (1 to 200 characters)");
  storage::Connection conn(command_database_url(c));
  storage::prepare_statements(conn);
  storage::Tx tx(conn);
  // A fresh key and a 48-byte random secret.
  const storage::NewApp fresh{"app_" + auth::random_hex(8), name, auth::random_hex(12),
                              auth::base64url_encode(auth::random_bytes(48))};
  const auto app = storage::create_app(tx, fresh);
  tx.commit();
  std::cout << nlohmann::json{{"app_id", app.public_id}, {"api_key", app.api_key}, {"api_secret", app.api_secret}}.dump()
            << "\n";
  return 0;
}

int cmd_token_create(const std::vector<std::string>& flags) {
  std::map<std::string, std::string> extra;
  const auto c = load(flags, &extra, {"api-key", "user-id", "exp-s", "server"}, {"server"});
  require_database(c);
  const std::string key = extra["api-key"];
  if (key.empty()) throw config::ConfigError("token create needs --api-key");
  const bool server = extra.count("server") != 0 && extra["server"] != "false";
  const std::string user = extra["user-id"];
  if (!server && user.empty()) throw config::ConfigError("token create needs --user-id or --server true");
  long long exp_s = 3600;
  if (extra.count("exp-s") != 0) {
    try {
      exp_s = std::stoll(extra["exp-s"]);
    } catch (const std::exception&) {
      exp_s = -1;
    }
    if (exp_s <= 0) throw config::ConfigError("invalid value for --exp-s: expected a positive number of seconds");
  }
  storage::Connection conn(command_database_url(c));
  storage::prepare_statements(conn);
  storage::Tx tx(conn, storage::TxKind::read);
  const auto app = storage::find_app_by_key(tx, key);
  if (!app) {
    std::cerr << "parley: no app has api key " << key << "\n";
    return 1;
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  nlohmann::json claims = {{"iat", now}, {"exp", now + exp_s}};
  if (server) {
    claims["server"] = true;
  } else {
    claims["user_id"] = user;
  }
  std::cout << auth::sign_token(claims, app->api_secret) << "\n";
  return 0;
}

int cmd_config(const std::vector<std::string>& flags) {
  const auto c = load(flags);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& k : config::config_keys()) {
    std::string v = k.get(c);
    if (std::string(k.name).find("url") != std::string::npos) v = obs::redact_url(v);
    out[k.name] = v;
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace

int run_command(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
  }
  try {
    const std::string& cmd = args[0];
    auto rest = [&](std::size_t from) { return std::vector<std::string>(args.begin() + static_cast<long>(from), args.end()); };
    if (cmd == "serve") return cmd_serve(rest(1));
    if (cmd == "migrate") return cmd_migrate(rest(1));
    if (cmd == "config") return cmd_config(rest(1));
    if (cmd == "version" || cmd == "--version") {
      std::cout << "parley " << PARLEY_VERSION << "\n";
      return 0;
    }
    if (cmd == "app" && args.size() > 1 && args[1] == "create") return cmd_app_create(rest(2));
    if (cmd == "token" && args.size() > 1 && args[1] == "create") return cmd_token_create(rest(2));
    std::cerr << "parley: unknown command: " << cmd << " (see parley help)\n";
    return 2;
  } catch (const config::ConfigError& e) {
    std::cerr << "parley: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "parley: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace parley::app
