#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace parley::test {

/// A plain TCP connection to 127.0.0.1 that sends whatever bytes a test wants:
/// slowloris, oversized headers, malformed requests, half-written frames.
/// Every call honours its timeout. Single-threaded; owned by the test.
class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  /// True when every byte was written; false when the peer had closed or reset
  /// the connection. Throws TimeoutError if the peer stops reading.
  bool send(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Half-close: the peer reads end-of-stream, the socket can still read.
  void shutdown_send();
  /// The bytes available (at least one), or "" when the peer closed. Throws TimeoutError.
  std::string read_some(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Everything until the peer closes. Throws TimeoutError (quoting what came) if it does not.
  std::string read_until_close(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Waits up to `timeout` for the peer to close (or reset) the connection.
  /// Bytes read meanwhile are kept for read_some / read_until_close.
  bool closed_by_peer(std::chrono::milliseconds timeout);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::test
