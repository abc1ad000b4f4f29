#include "support/client_connect.hpp"

#include <openssl/ssl.h>

#include <optional>
#include <string>

namespace parley::test {
namespace asio = boost::asio;
namespace beast = boost::beast;

asio::ssl::context make_client_tls_context() {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_verify_mode(asio::ssl::verify_none);
  return context;
}

void connect_tcp(asio::io_context& ioc, beast::tcp_stream& stream, std::uint16_t port, Deadline deadline) {
  const asio::ip::tcp::endpoint endpoint(asio::ip::address_v4::loopback(), port);
  std::optional<beast::error_code> result;
  stream.async_connect(endpoint, [&](beast::error_code ec) { result = ec; });
  if (!run_until(
          ioc, [&] { return result.has_value(); }, deadline)) {
    stream.socket().close();
    drain_aborted(ioc);
    throw TimeoutError("timeout connecting to 127.0.0.1:" + std::to_string(port));
  }
  if (*result) {
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port) + ": " + result->message());
  }
  stream.socket().set_option(asio::ip::tcp::no_delay(true));
}

void connect_tls(asio::io_context& ioc, beast::ssl_stream<beast::tcp_stream>& stream, std::uint16_t port,
                 Deadline deadline) {
  connect_tcp(ioc, beast::get_lowest_layer(stream), port, deadline);
  if (SSL_set_tlsext_host_name(stream.native_handle(), "localhost") != 1) {
    throw std::runtime_error("SSL_set_tlsext_host_name failed");
  }
  std::optional<beast::error_code> result;
  stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code ec) { result = ec; });
  if (!run_until(
          ioc, [&] { return result.has_value(); }, deadline)) {
    beast::get_lowest_layer(stream).socket().close();
    drain_aborted(ioc);
    throw TimeoutError("timeout in the TLS handshake with 127.0.0.1:" + std::to_string(port));
  }
  if (*result) {
    throw std::runtime_error("TLS handshake with 127.0.0.1:" + std::to_string(port) + " failed: " + result->message());
  }
}

}  // namespace parley::test
