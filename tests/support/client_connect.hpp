#pragma once
// Connecting test clients to 127.0.0.1, plain or TLS, within a deadline.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstdint>

#include "support/io_wait.hpp"

namespace parley::test {

/// A TLS client context that verifies nothing: the tests' certificates are self-signed.
boost::asio::ssl::context make_client_tls_context();

/// Connects to 127.0.0.1:port; throws TimeoutError or std::runtime_error.
void connect_tcp(boost::asio::io_context& ioc, boost::beast::tcp_stream& stream, std::uint16_t port, Deadline deadline);

/// Connects and completes the TLS handshake with SNI "localhost".
void connect_tls(boost::asio::io_context& ioc, boost::beast::ssl_stream<boost::beast::tcp_stream>& stream,
                 std::uint16_t port, Deadline deadline);

}  // namespace parley::test
