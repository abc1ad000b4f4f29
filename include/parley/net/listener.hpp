#pragma once
// Accepts TCP connections on one port and starts each on the next io_context
// of the pool, where TLS is detected from the first bytes (plain and TLS on the same port).
#include "parley/net/io_context_pool.hpp"
#include "parley/net/server_context.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace parley::net {

/// Its accept loop runs on the io_context given to start(); owned by the Server.
class Listener {
 public:
  Listener(IoContextPool& pool, ServerContext& server);
  /// Binds and listens (throws on failure); returns the bound port.
  std::uint16_t open(const std::string& host, std::uint16_t port);
  void start(boost::asio::io_context& accept_context);
  /// Stops accepting; callable from any thread.
  void close();

 private:
  boost::asio::awaitable<void> accept_loop();

  IoContextPool& pool_;
  ServerContext& server_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
};

}  // namespace parley::net
