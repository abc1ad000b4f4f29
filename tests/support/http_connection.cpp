#include "support/http_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>

#include "support/client_connect.hpp"

namespace parley::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::uint64_t kResponseBodyLimit = 256ULL * 1024 * 1024;
constexpr std::uint32_t kResponseHeaderLimit = 1024 * 1024;

bool same_name(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

http::request<http::string_body> make_request(const std::string& method, const std::string& target,
                                              const std::string& body,
                                              const std::map<std::string, std::string>& headers,
                                              const std::string& host) {
  http::request<http::string_body> request;
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    request.method_string(method);
  } else {
    request.method(verb);
  }
  request.target(target);
  request.version(11);
  request.set(http::field::host, host);
  request.set(http::field::user_agent, "parley-test");
  bool has_length = false;
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    request.set(name, value);
    has_length = has_length || same_name(name, "content-length") || same_name(name, "transfer-encoding");
    has_content_type = has_content_type || same_name(name, "content-type");
  }
  request.body() = body;
  if (!body.empty() && !has_content_type) {
    request.set(http::field::content_type, "application/json");
  }
  if (!has_length) {
    request.prepare_payload();
  }
  return request;
}

}  // namespace

struct HttpConnection::Impl {
  asio::io_context ioc;
  asio::ssl::context tls_context = make_client_tls_context();
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::uint16_t port = 0;
  bool open = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  template <class F>
  void with_stream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*plain);
    }
  }

  void abandon() {
    open = false;
    beast::error_code ignored;
    lowest().socket().close(ignored);
    drain_aborted(ioc);
  }
};

HttpConnection::HttpConnection(std::uint16_t port, bool tls, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
  const auto deadline = deadline_after(timeout);
  if (tls) {
    impl_->tls.emplace(impl_->ioc, impl_->tls_context);
    connect_tls(impl_->ioc, *impl_->tls, port, deadline);
  } else {
    impl_->plain.emplace(impl_->ioc);
    connect_tcp(impl_->ioc, *impl_->plain, port, deadline);
  }
  impl_->open = true;
}

HttpConnection::~HttpConnection() { close(); }

HttpResponse HttpConnection::request(const std::string& method, const std::string& target, const std::string& body,
                                     const std::map<std::string, std::string>& headers,
                                     std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  const std::string what = method + " " + target;
  if (!impl.open) {
    throw std::runtime_error(what + ": the connection is closed");
  }
  const auto deadline = deadline_after(timeout);
  const std::string host = std::string(impl.tls ? "localhost:" : "127.0.0.1:") + std::to_string(impl.port);
  auto request = make_request(method, target, body, headers, host);
  http::response_parser<http::string_body> parser;
  parser.body_limit(kResponseBodyLimit);
  parser.header_limit(kResponseHeaderLimit);
  if (request.method() == http::verb::head) {
    parser.skip(true);
  }

  std::optional<beast::error_code> wrote;
  std::optional<beast::error_code> read;
  impl.with_stream([&](auto& stream) {
    http::async_write(stream, request, [&](beast::error_code ec, std::size_t) { wrote = ec; });
    http::async_read(stream, impl.buffer, parser, [&](beast::error_code ec, std::size_t) { read = ec; });
  });
  if (!run_until(
          impl.ioc, [&] { return read.has_value(); }, deadline)) {
    impl.abandon();
    throw TimeoutError(what + ": no response within " + std::to_string(timeout.count()) + " ms");
  }
  if (*read) {
    const std::string write_error = wrote && *wrote ? " (write: " + wrote->message() + ")" : "";
    impl.abandon();
    throw std::runtime_error(what + ": reading the response failed: " + read->message() + write_error);
  }
  // The server may answer before reading the whole body (413): the rest of the
  // body cannot be sent any more, so the connection is done.
  if (!run_until(
          impl.ioc, [&] { return wrote.has_value(); }, std::chrono::steady_clock::now()) ||
      *wrote) {
    impl.abandon();
  }
  return to_http_response(parser.release());
}

bool HttpConnection::is_open() { return !closed_by_peer(std::chrono::milliseconds(0)); }

bool HttpConnection::closed_by_peer(std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (!impl.open) {
    return true;
  }
  std::optional<beast::error_code> result;
  std::size_t got = 0;
  impl.with_stream([&](auto& stream) {
    stream.async_read_some(impl.buffer.prepare(4096), [&](beast::error_code ec, std::size_t n) {
      result = ec;
      got = n;
    });
  });
  if (!run_until(
          impl.ioc, [&] { return result.has_value(); }, deadline_after(timeout))) {
    impl.lowest().socket().cancel();
    run_until(
        impl.ioc, [&] { return result.has_value(); }, deadline_after(std::chrono::seconds(2)));
  }
  impl.buffer.commit(got);  // unexpected bytes stay for the next response
  if (result && *result && *result != asio::error::operation_aborted) {
    impl.open = false;
    return true;
  }
  return false;
}

void HttpConnection::close() {
  if (impl_ && impl_->open) {
    impl_->open = false;
    beast::error_code ignored;
    impl_->lowest().socket().close(ignored);
  }
}

}  // namespace parley::test
