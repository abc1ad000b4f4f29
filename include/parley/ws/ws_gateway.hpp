#pragma once
// Accepts WebSocket upgrades at /v1/connect: authenticates the api key and
// token, completes the handshake and runs a WsSession on the connection's thread.
#include "parley/auth/authenticator.hpp"
#include "parley/chat/group_commit.hpp"
#include "parley/chat/services.hpp"
#include "parley/realtime/hub.hpp"
#include "parley/realtime/presence.hpp"
#include "parley/net/server_context.hpp"

namespace parley::ws {

/// What sessions need from the server; owned by the Server, outlives every session.
struct WsDeps {
  const config::Config& config;
  obs::ServerMetrics& metrics;
  net::ConnectionRegistry& connections;
  auth::Authenticator& authenticator;
  std::string node_id;
  chat::Services& services;  // chat operations (watch, read); sends go through `sends`
  chat::GroupCommitter& sends;
  realtime::Hub& hub;
  realtime::Presence& presence;
};

class WsGateway final : public net::WebSocketUpgrader {
 public:
  explicit WsGateway(WsDeps& deps) : deps_(deps) {}
  boost::asio::awaitable<void> upgrade(net::PlainStream stream, net::UpgradeRequest request, const std::string& request_id,
                                       const std::string& remote_ip) override;
  boost::asio::awaitable<void> upgrade(net::TlsStream stream, net::UpgradeRequest request, const std::string& request_id,
                                       const std::string& remote_ip) override;

 private:
  template <class Stream>
  boost::asio::awaitable<void> accept(Stream stream, net::UpgradeRequest request, const std::string& request_id);
  WsDeps& deps_;
};

}  // namespace parley::ws
