#include "support/test_env.hpp"

#include <cstdlib>
#include <stdexcept>

namespace parley::test {
namespace {

// A missing variable fails the test: a test that needs a service never skips.
std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string(name) + " is not set: run the tests through ./scripts/test");
  }
  return value;
}

}  // namespace

std::string test_database_url() { return required_env("PARLEY_TEST_DATABASE_URL"); }

std::string test_admin_database_url() { return required_env("PARLEY_TEST_ADMIN_DATABASE_URL"); }

std::string test_redis_url() { return required_env("PARLEY_TEST_REDIS_URL"); }

std::string redis_server_binary() {
  const char* value = std::getenv("PARLEY_TEST_REDIS_SERVER");
  return (value == nullptr || *value == '\0') ? std::string("redis-server") : std::string(value);
}

std::string parley_binary() { return PARLEY_BINARY; }

std::string parley_source_dir() { return PARLEY_SOURCE_DIR; }

}  // namespace parley::test
