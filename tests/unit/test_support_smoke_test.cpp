// The test-support library itself: the harness every integration and e2e test
// relies on must fail loudly and clean up after itself.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "support/child_process.hpp"
#include "support/database_url.hpp"
#include "support/free_port.hpp"
#include "support/self_signed_cert.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

// Sets (or unsets) an environment variable for one test, restoring it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) {
      old_ = old;
    }
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(TestEnv, MissingVariableFailsAndSaysHowToRun) {
  ScopedEnv unset("PARLEY_TEST_DATABASE_URL", nullptr);
  try {
    test_database_url();
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("run the tests through ./scripts/test"), std::string::npos)
        << error.what();
  }
}

TEST(TestEnv, RedisServerDefaultsToPath) {
  ScopedEnv unset("PARLEY_TEST_REDIS_SERVER", nullptr);
  EXPECT_EQ(redis_server_binary(), "redis-server");
}

TEST(DatabaseUrl, ReplacesTheDatabaseAndKeepsTheRest) {
  EXPECT_EQ(with_database_name("postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable", "scratch"),
            "postgres://u:p@127.0.0.1:5432/scratch?sslmode=disable");
  EXPECT_EQ(with_database_name("postgresql://u@host:1", "scratch"), "postgresql://u@host:1/scratch");
  EXPECT_EQ(with_database_name("postgresql://u@host:1?a=b", "scratch"), "postgresql://u@host:1/scratch?a=b");
  EXPECT_EQ(with_database_name("host=h port=1 dbname=postgres", "scratch"), "host=h port=1 dbname=scratch");
}

TEST(TempDir, IsRemovedWithItsContent) {
  std::string path;
  {
    TempDir dir;
    path = dir.path();
    std::filesystem::create_directories(dir.file("a/b"));
    std::ofstream(dir.file("a/b/c")) << "x";
    ASSERT_TRUE(std::filesystem::exists(dir.file("a/b/c")));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(FreePort, IsAnUnprivilegedPort) { EXPECT_GE(free_port(), 1024); }

TEST(ChildProcess, ReportsExitCodeEnvironmentAndOutput) {
  ChildProcess child({"/bin/sh", "-c", "echo out; echo err >&2; echo \"$PARLEY_SMOKE\"; exit 3"},
                     {{"PARLEY_SMOKE", "from-test"}});
  EXPECT_EQ(child.wait_exit(10s), 3);
  EXPECT_FALSE(child.running());
  EXPECT_EQ(child.log(), "out\nerr\nfrom-test\n");
}

TEST(ChildProcess, ReportsSignalsAs128PlusSignal) {
  ChildProcess child({"sleep", "30"});
  EXPECT_TRUE(child.running());
  EXPECT_EQ(child.wait_exit(50ms), std::nullopt);
  child.send_signal(SIGTERM);
  EXPECT_EQ(child.wait_exit(10s), 128 + SIGTERM);
}

TEST(ChildProcess, InheritsNoDescriptorsBeyondStdio) {
  ChildProcess child({"/bin/sh", "-c", "ls /proc/$$/fd"});
  ASSERT_EQ(child.wait_exit(10s), 0);
  EXPECT_EQ(child.log(), "0\n1\n2\n") << "the shell's own descriptors only";
}

TEST(ChildProcess, ThrowsWhenTheProgramCannotRun) {
  EXPECT_THROW(ChildProcess({"/nonexistent/parley-smoke"}), std::runtime_error);
  EXPECT_THROW(ChildProcess({"parley-smoke-not-on-path"}), std::runtime_error);
}

TEST(SelfSignedCert, LoadsAsAServerCertificateForLocalhost) {
  TempDir dir;
  const CertFiles files = make_self_signed_cert(dir.path());
  boost::asio::ssl::context context(boost::asio::ssl::context::tls_server);
  context.use_certificate_chain_file(files.cert_path);
  context.use_private_key_file(files.key_path, boost::asio::ssl::context::pem);
  EXPECT_EQ(SSL_CTX_check_private_key(context.native_handle()), 1);
  X509* cert = SSL_CTX_get0_certificate(context.native_handle());
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
}

}  // namespace
}  // namespace parley::test
