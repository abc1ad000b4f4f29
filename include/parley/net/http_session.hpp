#pragma once
// The HTTP/1.1 side of one connection, plain or TLS: reads requests under the
// configured limits and timeouts, answers them through the Router, keeps the
// connection alive, and hands a WebSocket upgrade at /v1/connect over.
#include "parley/net/server_context.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>

namespace parley::net {

/// Runs on the connection's io thread until the connection closes. Instantiated for PlainStream and TlsStream.
template <class Stream>
boost::asio::awaitable<void> serve_http(Stream stream, boost::beast::flat_buffer buffer, ServerContext& server,
                                        std::string remote_ip);

}  // namespace parley::net
