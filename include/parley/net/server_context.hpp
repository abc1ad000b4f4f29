#pragma once
// What every connection needs from the server, bundled by reference.
// The network layer sees the rest of Parley only through Router and WebSocketUpgrader.
#include "parley/config/config.hpp"
#include "parley/http/request_context.hpp"
#include "parley/http/router.hpp"
#include "parley/net/connection_registry.hpp"
#include "parley/obs/metrics.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <atomic>

namespace parley::net {

using PlainStream = boost::beast::tcp_stream;
/// The HTTP request that asked for a WebSocket upgrade.
using UpgradeRequest = http::Request;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
/// A plain connection once it is a WebSocket: the bare socket, without the state a Beast tcp_stream keeps for
/// its own timeouts (the WebSocket stream has its own timer).
using PlainSocket = boost::asio::ip::tcp::socket;

/// Takes over a connection whose request asked for a WebSocket upgrade at /v1/connect.
class WebSocketUpgrader {
 public:
  virtual ~WebSocketUpgrader() = default;
  virtual boost::asio::awaitable<void> upgrade(PlainStream stream, http::Request request, const std::string& request_id,
                                               const std::string& remote_ip) = 0;
  virtual boost::asio::awaitable<void> upgrade(TlsStream stream, http::Request request, const std::string& request_id,
                                               const std::string& remote_ip) = 0;
};

/// Owned by the Server; outlives every connection.
struct ServerContext {
  const config::Config& config;
  obs::ServerMetrics& metrics;
  const http::Router& router;
  ConnectionRegistry& connections;
  WebSocketUpgrader* websocket = nullptr;
  boost::asio::ssl::context* tls = nullptr;  // null: plain only
  std::atomic<bool> draining{false};
};

}  // namespace parley::net
