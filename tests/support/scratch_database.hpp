#pragma once
#include <string>

namespace parley::test {

/// A brand-new, empty PostgreSQL database for one test, created on the server
/// of test_admin_database_url() and dropped (its connections terminated) on
/// destruction. Owned by the test; declare it before the processes using it.
class ScratchDatabase {
 public:
  ScratchDatabase();
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  /// Same host, port and user as the admin URL; this database's name.
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace parley::test
