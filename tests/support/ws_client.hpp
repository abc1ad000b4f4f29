#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "support/http_response.hpp"

namespace parley::test {

/// A WebSocket client as a chat app would be, plain or TLS (no certificate
/// checks, SNI "localhost"). One read is always in flight, but I/O only
/// happens inside its calls: a test that stops calling read_* is a slow
/// consumer. Received messages queue up in order. Every call honours its
/// timeout and throws TimeoutError rather than hang. Single-threaded; owned by the test.
class WsClient {
 public:
  WsClient();
  /// Closes with 1000 if still open (so the server sees a clean close); use
  /// drop() first to simulate a lost connection.
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  /// Connects to 127.0.0.1:port and asks for the upgrade of `target` with the
  /// extra request `headers`. Returns the HTTP status: 101 when upgraded, else
  /// the refusal, whose full response upgrade_response() holds. Throws on a
  /// network failure or timeout. Once per client.
  int connect(std::uint16_t port, const std::string& target, const std::map<std::string, std::string>& headers = {},
              bool tls = false, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  const HttpResponse& upgrade_response() const;

  /// One text message (a single frame, so a 70000-byte message is a 70000-byte
  /// frame). False if the connection is closed or broke (read_text then says why).
  bool send_text(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool send_json(const nlohmann::json& message, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// The next message, or nullopt once the connection is closed and every
  /// message before the close was read (then close_code() says how).
  std::optional<std::string> read_text(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// The next message as JSON; throws if the connection closed or it is not JSON.
  nlohmann::json read_json(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// The next message whose "type" is `type`; messages before it are discarded.
  nlohmann::json read_until_type(const std::string& type, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Sends `request` (an "id" is added when absent) and returns its ack
  /// {"type":"ack","id",...}. Other messages stay queued, in order, for read_*.
  nlohmann::json request(nlohmann::json request, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// True when a message, or the close, arrives within `timeout` (nothing is consumed).
  bool wait_for_message(std::chrono::milliseconds timeout);
  /// Discards messages until the server closes; returns the close code.
  int wait_close(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Clean close: sends a close frame and waits for the server's reply.
  void close(std::uint16_t code = 1000, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Drops the TCP connection without a close frame, as a lost network would.
  void drop();

  /// Upgraded and not closed yet (messages may still be queued after a close).
  bool is_open() const;
  /// The close frame's code once closed (1005 without a code; 1006 when the
  /// connection broke without a close frame); nullopt while open.
  std::optional<int> close_code() const;
  std::string close_reason() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::test
