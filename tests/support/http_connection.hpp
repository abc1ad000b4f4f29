#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "support/http_response.hpp"

namespace parley::test {

/// One HTTP/1.1 connection to 127.0.0.1 (plain or TLS without certificate
/// checks) reused for several requests, to test keep-alive and pipelining
/// limits. Every call honours its timeout and throws TimeoutError rather than
/// hang. Single-threaded: I/O only happens inside its calls. Owned by the test.
class HttpConnection {
 public:
  /// Connects (and completes the TLS handshake, SNI "localhost"); throws on failure.
  explicit HttpConnection(std::uint16_t port, bool tls = false,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  /// Sends one request and reads its response (the response is read while the
  /// body is still being written, so an early 413 is seen). Sets Host and
  /// User-Agent, Content-Type: application/json for a non-empty body and
  /// Content-Length, unless `headers` sets them. Throws if no full response arrives.
  HttpResponse request(const std::string& method, const std::string& target, const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// False once the server has closed the connection (checked without waiting)
  /// or a request on it failed.
  bool is_open();
  /// Waits up to `timeout` for the server to close the connection.
  bool closed_by_peer(std::chrono::milliseconds timeout);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::test
