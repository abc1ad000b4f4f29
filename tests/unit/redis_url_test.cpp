#include "parley/bus/redis_bus.hpp"
#include "parley/obs/log.hpp"

#include <gtest/gtest.h>

using parley::bus::parse_redis_url;

TEST(RedisUrl, Parses) {
  auto a = parse_redis_url("redis://127.0.0.1:6380");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 6380);
  EXPECT_TRUE(a.password.empty());
  auto b = parse_redis_url("redis://:pw@redis.internal/0");
  EXPECT_EQ(b.host, "redis.internal");
  EXPECT_EQ(b.port, 6379);
  EXPECT_EQ(b.password, "pw");
  EXPECT_THROW(parse_redis_url("http://x"), std::invalid_argument);
  EXPECT_THROW(parse_redis_url("redis://h:99999"), std::invalid_argument);
}

TEST(RedactUrl, HidesPasswordsOnly) {
  EXPECT_EQ(parley::obs::redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
  EXPECT_EQ(parley::obs::redact_url("postgres://u@h/db"), "postgres://u@h/db");
  EXPECT_EQ(parley::obs::redact_url("redis://:pw@h:1"), "redis://:***@h:1");
  EXPECT_EQ(parley::obs::redact_url("redis://h:1"), "redis://h:1");
}
