#include "parley/net/http_session.hpp"

#include "parley/http/dispatch.hpp"
#include "parley/obs/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <type_traits>

namespace parley::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using protocol::ApiError;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kShutdownTimeout{2};

// Per-connection state the drain callback may touch (on this connection's thread only).
struct HttpConnectionState {
  bool idle = true;
  bool draining = false;
  beast::tcp_stream* lowest = nullptr;
};

template <class Stream>
asio::awaitable<bool> write_response(Stream& stream, http::Response& res) {
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  auto [ec, n] = co_await bhttp::async_write(stream, res, kTuple);
  co_return !ec;
}

template <class Stream>
asio::awaitable<void> close_gracefully(Stream& stream) {
  auto& lowest = beast::get_lowest_layer(stream);
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    lowest.expires_after(kShutdownTimeout);
    co_await stream.async_shutdown(kTuple);
  }
  beast::error_code ignored;
  lowest.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  lowest.close();
}

// Answers an error found before routing (limits, malformed requests) and records it.
template <class Stream>
asio::awaitable<void> reject(Stream& stream, ServerContext& server, const ApiError& error,
                             std::chrono::steady_clock::time_point started) {
  auto res = http::error_response(error);
  http::Request empty;
  http::finish_response(res, http::request_id_for(empty), false);
  res.keep_alive(false);
  server.metrics.record_request(obs::RouteClass::unmatched, error.status, std::chrono::steady_clock::now() - started);
  co_await write_response(stream, res);
}

ApiError header_too_large(const config::Config& cfg) {
  return ApiError{"header_too_large", 431,
                  "request header block is larger than " + std::to_string(cfg.http_header_limit) + " bytes",
                  {{"limit", "http_header_limit"}, {"max", cfg.http_header_limit}}};
}

ApiError body_too_large(const config::Config& cfg) {
  return ApiError::payload_too_large("request body is larger than " + std::to_string(cfg.http_body_limit) + " bytes",
                                     {{"limit", "http_body_limit"}, {"max", cfg.http_body_limit}});
}

bool is_websocket_connect(const http::Request& req) {
  if (!beast::websocket::is_upgrade(req)) return false;
  const auto target = req.target();
  const auto path = target.substr(0, target.find('?'));
  return path == "/v1/connect";
}

}  // namespace

template <class Stream>
asio::awaitable<void> serve_http(Stream stream, beast::flat_buffer buffer, ServerContext& server,
                                 std::string remote_ip) {
  const auto& cfg = server.config;
  auto& lowest = beast::get_lowest_layer(stream);
  auto state = std::make_shared<HttpConnectionState>();
  state->lowest = &lowest;
  std::optional<ConnectionRegistration> registration;
  registration.emplace(server.connections,
                       server.connections.add(lowest.get_executor(), [weak = std::weak_ptr(state)] {
                         if (auto s = weak.lock()) {
                           s->draining = true;
                           if (s->idle && s->lowest != nullptr) s->lowest->cancel();
                         }
                       }));

  for (;;) {
    // Wait for the first byte of the next request under the idle timeout...
    state->idle = true;
    if (buffer.size() == 0) {
      if (state->draining) break;
      lowest.expires_after(cfg.http_idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
      if (ec) break;
      buffer.commit(n);
    }
    state->idle = false;
    const auto started = std::chrono::steady_clock::now();

    // ...then the whole head must arrive within the header timeout (slowloris guard).
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg.http_header_limit));
    parser.body_limit(cfg.http_body_limit);
    lowest.expires_after(cfg.http_header_timeout);
    auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
    if (hec == bhttp::error::body_limit) {  // a Content-Length over the limit is refused from the head
      const ApiError error = body_too_large(cfg);
      co_await reject(stream, server, error, started);
      break;
    }
    if (hec == bhttp::error::header_limit) {
      const ApiError error = header_too_large(cfg);
      co_await reject(stream, server, error, started);
      break;
    }
    if (hec == beast::error::timeout || hec == asio::error::operation_aborted || hec == bhttp::error::end_of_stream ||
        hec == asio::error::eof || hec == asio::error::connection_reset) {
      break;
    }
    if (hec) {
      const ApiError error = ApiError::invalid_request("malformed HTTP request: " + hec.message());
      co_await reject(stream, server, error, started);
      break;
    }

    const auto& head = parser.get();
    if (auto len = parser.content_length(); len && *len > cfg.http_body_limit) {
      const ApiError error = body_too_large(cfg);
      co_await reject(stream, server, error, started);
      break;
    }
    if (beast::iequals(head[bhttp::field::expect], "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
      auto [cec, cn] = co_await bhttp::async_write(stream, cont, kTuple);
      if (cec) break;
    }

    lowest.expires_after(cfg.http_idle_timeout);
    auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
    if (bec == bhttp::error::body_limit) {
      const ApiError error = body_too_large(cfg);
      co_await reject(stream, server, error, started);
      break;
    }
    if (bec) {
      if (bec != beast::error::timeout && bec != bhttp::error::end_of_stream && bec != asio::error::eof) {
        const ApiError error = ApiError::invalid_request("malformed HTTP body: " + bec.message());
        co_await reject(stream, server, error, started);
      }
      break;
    }

    http::Request req = parser.release();
    const std::string request_id = http::request_id_for(req);

    if (is_websocket_connect(req) && server.websocket != nullptr) {
      if (state->draining) {
        const ApiError error = ApiError::unavailable("server is draining; reconnect to another node");
        auto res = http::error_response(error);
        http::finish_response(res, request_id, false);
        res.keep_alive(false);
        co_await write_response(stream, res);
        break;
      }
      // The HTTP registration stays while the upgrade authenticates, so a drain that starts meanwhile
      // waits for it; the session registers its own drain callback before this coroutine ends. Once the
      // session runs on its own coroutine, this one (and its buffer, parser and stream shell) is gone.
      state->lowest = nullptr;
      lowest.expires_never();
      buffer.consume(buffer.size());  // a client sends nothing before the 101
      buffer.shrink_to_fit();
      server.metrics.record_request(obs::RouteClass::connect, 101, std::chrono::steady_clock::now() - started);
      co_await server.websocket->upgrade(std::move(stream), std::move(req), request_id, remote_ip);
      co_return;
    }

    obs::RouteClass route_class = obs::RouteClass::unmatched;
    lowest.expires_never();  // handlers bound their own waits (DB statement timeout, pool queue)
    http::Response res = co_await http::dispatch(server.router, cfg, req, request_id, remote_ip, route_class);
    http::finish_response(res, request_id, req.method() == bhttp::verb::head);
    const bool keep_alive = req.keep_alive() && !state->draining;
    res.keep_alive(keep_alive);
    server.metrics.record_request(route_class, static_cast<int>(res.result_int()),
                                  std::chrono::steady_clock::now() - started);
    if (!co_await write_response(stream, res) || !keep_alive) break;
  }
  co_await close_gracefully(stream);
}

template asio::awaitable<void> serve_http<PlainStream>(PlainStream, beast::flat_buffer, ServerContext&, std::string);
template asio::awaitable<void> serve_http<TlsStream>(TlsStream, beast::flat_buffer, ServerContext&, std::string);

}  // namespace parley::net
