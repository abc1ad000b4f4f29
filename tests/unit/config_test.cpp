#include "parley/config/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using parley::config::ConfigError;
using parley::config::load_config;

namespace {

std::string write_temp_file(const std::string& text) {
  char path[] = "/tmp/parley_config_test_XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(Config, DefaultsAreDocumentedValues) {
  const auto c = load_config({}, {});
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_EQ(c.http_header_limit, 16u * 1024u);
  EXPECT_EQ(c.http_body_limit, 1024u * 1024u);
  EXPECT_EQ(c.ws_frame_limit, 64u * 1024u);
  EXPECT_EQ(c.ws_send_queue_bytes, 1024u * 1024u);
  EXPECT_TRUE(c.redis_url.empty());
}

TEST(Config, FlagsBeatEnvironmentBeatFileBeatDefaults) {
  const auto file = write_temp_file(
      "# comment\n"
      "listen = 127.0.0.1:7000\n"
      "db_pool_size = 3\n"
      "log_level = debug   # trailing comment\n"
      "node_id = \"from-file\"\n");
  const std::map<std::string, std::string> env = {
      {"PARLEY_CONFIG", file}, {"PARLEY_DB_POOL_SIZE", "5"}, {"PARLEY_NODE_ID", "from-env"}};
  const auto c = load_config({"--node-id", "from-flag"}, env);
  EXPECT_EQ(c.listen_host, "127.0.0.1");  // file over default
  EXPECT_EQ(c.listen_port, 7000);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.db_pool_size, 5u);       // env over file
  EXPECT_EQ(c.node_id, "from-flag");   // flag over env
  EXPECT_EQ(c.io_threads, 0);          // default
  std::remove(file.c_str());
}

TEST(Config, ConfigFlagOverridesConfigEnvAndEqualsSyntaxWorks) {
  const auto a = write_temp_file("db_pool_size = 2\n");
  const auto b = write_temp_file("db_pool_size = 9\n");
  const auto c = load_config({"--config=" + b}, {{"PARLEY_CONFIG", a}});
  EXPECT_EQ(c.db_pool_size, 9u);
  std::remove(a.c_str());
  std::remove(b.c_str());
}

TEST(Config, SwitchFlagWithoutValue) {
  const auto c = load_config({"--migrate", "--database-url", "postgres://x@y/z"}, {});
  EXPECT_TRUE(c.migrate);
  EXPECT_EQ(c.database_url, "postgres://x@y/z");
}

TEST(Config, InvalidValuesNameTheKeyAndSource) {
  try {
    load_config({"--db-pool-size", "many"}, {});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("db_pool_size"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--db-pool-size"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line";
  }
  try {
    load_config({}, {{"PARLEY_LISTEN", "nonsense"}});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("PARLEY_LISTEN"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_config({"--listen", "127.0.0.1:70000"}, {}), ConfigError);
  EXPECT_THROW(load_config({"--database-url", "mysql://x"}, {}), ConfigError);
  EXPECT_THROW(load_config({"--redis-url", "http://x"}, {}), ConfigError);
  EXPECT_THROW(load_config({"--log-level", "loud"}, {}), ConfigError);
  EXPECT_THROW(load_config({"--http-body-limit", "-1"}, {}), ConfigError);
  EXPECT_THROW(load_config({"--tls-cert", "/x.pem"}, {}), ConfigError) << "cert without key";
}

TEST(Config, UnknownKeysAreRefused) {
  EXPECT_THROW(load_config({"--no-such-flag", "1"}, {}), ConfigError);
  EXPECT_THROW(load_config({"stray"}, {}), ConfigError);
  const auto file = write_temp_file("no_such_key = 1\n");
  try {
    load_config({"--config", file}, {});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(file + ":1"), std::string::npos) << e.what();
  }
  std::remove(file.c_str());
  EXPECT_THROW(load_config({"--config", "/nonexistent/parley.conf"}, {}), ConfigError);
}

TEST(Config, ExtraFlagsAreReturnedToTheCommand) {
  std::map<std::string, std::string> extra;
  const auto c = load_config({"--name", "demo", "--log-level", "warn"}, {}, &extra, {"name"});
  EXPECT_EQ(extra["name"], "demo");
  EXPECT_EQ(c.log_level, "warn");
}

TEST(Config, Ipv6Listen) {
  const auto c = load_config({"--listen", "[::1]:9000"}, {});
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.listen_port, 9000);
}

TEST(Config, DatabaseQueueLimitAndDeadline) {
  const auto d = load_config({}, {});
  EXPECT_EQ(d.db_queue_limit, 16384u) << "a connect storm queues rather than being refused";
  EXPECT_EQ(d.db_queue_timeout.count(), 5000);
  const auto c = load_config({"--db-queue-timeout-ms", "250"}, {{"PARLEY_DB_QUEUE_LIMIT", "100"}});
  EXPECT_EQ(c.db_queue_timeout.count(), 250);
  EXPECT_EQ(c.db_queue_limit, 100u);
  EXPECT_THROW(load_config({"--db-queue-timeout-ms", "600001"}, {}), ConfigError);
  EXPECT_THROW(load_config({"--db-queue-timeout-ms", "soon"}, {}), ConfigError);
  EXPECT_THROW(load_config({"--db-queue-limit", "0"}, {}), ConfigError);
}

TEST(Config, EveryKeyRoundTripsItsDefault) {
  parley::config::Config defaults;
  for (const auto& key : parley::config::config_keys()) {
    const std::string text = key.get(defaults);
    if (text.empty()) continue;  // optional keys
    parley::config::Config c;
    EXPECT_EQ(key.set(c, text), "") << key.name << " rejects its own default " << text;
    EXPECT_EQ(key.get(c), text) << key.name;
  }
}

TEST(Config, ListenNeedsAnAddressAndNodeIdIsLabelSafe) {
  EXPECT_EQ(load_config({"--listen", "localhost:9000"}, {}).listen_host, "127.0.0.1");
  EXPECT_THROW(load_config({"--listen", "example.com:9000"}, {}), ConfigError);
  EXPECT_THROW(load_config({"--node-id", "bad\"id"}, {}), ConfigError);
  EXPECT_EQ(load_config({"--node-id", "node-1.eu_west"}, {}).node_id, "node-1.eu_west");
}

TEST(Config, BareExtraFlagIsASwitch) {
  std::map<std::string, std::string> extra;
  load_config({"--server", "--api-key", "k"}, {}, &extra, {"server", "api-key"}, {"server"});
  EXPECT_EQ(extra["server"], "true");
  EXPECT_EQ(extra["api-key"], "k");
  // A value flag given bare is an error, never the value "true" (`app create --name` must not name an app "true").
  EXPECT_THROW(load_config({"--name"}, {}, &extra, {"name"}, {}), ConfigError);
}
