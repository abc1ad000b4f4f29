#pragma once
#include <string>

namespace parley::test {

/// A fresh directory under $TMPDIR (or /tmp), removed with its content on destruction.
/// Owned by the test (or the helper) that created it; not thread-safe.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  /// path() + "/" + name.
  std::string file(const std::string& name) const;

 private:
  void remove();

  std::string path_;
};

}  // namespace parley::test
