#include "parley/net/listener.hpp"

#include "parley/net/http_session.hpp"
#include "parley/obs/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/detect_ssl.hpp>

namespace parley::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Counts an open connection for the lifetime of its coroutine.
struct OpenConnectionGauge {
  explicit OpenConnectionGauge(obs::ServerMetrics& m) : metrics(m) { metrics.http_connections_open.fetch_add(1); }
  ~OpenConnectionGauge() { metrics.http_connections_open.fetch_sub(1); }
  obs::ServerMetrics& metrics;
};

asio::awaitable<void> run_connection(tcp::socket socket, ServerContext& server) {
  OpenConnectionGauge gauge(server.metrics);
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  const std::string remote_ip = ec ? std::string() : endpoint.address().to_string();
  socket.set_option(tcp::no_delay(true), ec);

  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  stream.expires_after(server.config.http_header_timeout);
  auto [dec, is_tls] = co_await beast::async_detect_ssl(stream, buffer, kTuple);
  if (dec) co_return;
  if (!is_tls) {
    co_await serve_http(std::move(stream), std::move(buffer), server, remote_ip);
    co_return;
  }
  if (server.tls == nullptr) co_return;  // TLS hello on a plain-only port: just close
  TlsStream tls(std::move(stream), *server.tls);
  auto [hec, used] = co_await tls.async_handshake(asio::ssl::stream_base::server, buffer.data(), kTuple);
  if (hec) co_return;
  buffer.consume(used);
  co_await serve_http(std::move(tls), std::move(buffer), server, remote_ip);
}

}  // namespace

Listener::Listener(IoContextPool& pool, ServerContext& server) : pool_(pool), server_(server) {}

std::uint16_t Listener::open(const std::string& host, std::uint16_t port) {
  const auto address = asio::ip::make_address(host);
  tcp::endpoint endpoint(address, port);
  acceptor_ = std::make_unique<tcp::acceptor>(pool_.at(0));
  acceptor_->open(endpoint.protocol());
  acceptor_->set_option(asio::socket_base::reuse_address(true));
  acceptor_->bind(endpoint);
  acceptor_->listen(asio::socket_base::max_listen_connections);
  return acceptor_->local_endpoint().port();
}

void Listener::start(asio::io_context& accept_context) {
  asio::co_spawn(accept_context, accept_loop(), asio::detached);
}

void Listener::close() {
  asio::post(acceptor_->get_executor(), [this] {
    beast::error_code ignored;
    acceptor_->close(ignored);
  });
}

asio::awaitable<void> Listener::accept_loop() {
  for (;;) {
    auto& ctx = pool_.next();
    auto [ec, socket] = co_await acceptor_->async_accept(ctx, kTuple);
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
    if (ec) {
      // EMFILE and friends: log, back off a little, keep accepting.
      obs::warn("accept failed", {{"error", ec.message()}});
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await t.async_wait(kTuple);
      continue;
    }
    server_.metrics.connections_accepted.fetch_add(1, std::memory_order_relaxed);
    if (static_cast<std::size_t>(server_.metrics.http_connections_open.load()) >= server_.config.max_connections) {
      server_.metrics.connections_refused.fetch_add(1, std::memory_order_relaxed);
      continue;  // socket closes as it goes out of scope
    }
    asio::co_spawn(socket.get_executor(), run_connection(std::move(socket), server_), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        obs::error("connection failed", {{"error", ex.what()}});
      }
    });
  }
}

}  // namespace parley::net
