#pragma once
// Where the tests find their services: environment variables set by ./scripts/test.
#include <string>

namespace parley::test {

/// PostgreSQL URL of a database the tests may use freely (PARLEY_TEST_DATABASE_URL).
std::string test_database_url();

/// PostgreSQL URL of a role allowed to CREATE DATABASE (PARLEY_TEST_ADMIN_DATABASE_URL).
std::string test_admin_database_url();

/// Redis URL started by the test script (PARLEY_TEST_REDIS_URL).
std::string test_redis_url();

/// The redis-server program tests start themselves (PARLEY_TEST_REDIS_SERVER, default "redis-server").
std::string redis_server_binary();

/// The built `parley` executable (the PARLEY_BINARY compile definition).
std::string parley_binary();

/// The project's source directory (the PARLEY_SOURCE_DIR compile definition).
std::string parley_source_dir();

}  // namespace parley::test
