#include "support/raw_socket.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <optional>
#include <utility>

#include "support/client_connect.hpp"

namespace parley::test {
namespace asio = boost::asio;
namespace beast = boost::beast;

struct RawSocket::Impl {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  std::string pending;  // read but not yet returned to the test
  bool peer_closed = false;

  // Reads once into `pending`; false on timeout (nothing lost, the read is cancelled).
  bool read_once(Deadline deadline) {
    std::optional<beast::error_code> result;
    std::size_t got = 0;
    char chunk[16 * 1024];
    stream.socket().async_read_some(asio::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
      result = ec;
      got = n;
    });
    const bool in_time = run_until(
        ioc, [&] { return result.has_value(); }, deadline);
    if (!in_time) {
      beast::error_code ignored;
      stream.socket().cancel(ignored);
      run_until(
          ioc, [&] { return result.has_value(); }, deadline_after(std::chrono::seconds(2)));
    }
    pending.append(chunk, got);
    if (*result && *result != asio::error::operation_aborted) {
      peer_closed = true;  // eof, reset: either way the peer is gone
    }
    return in_time || got > 0;
  }
};

RawSocket::RawSocket(std::uint16_t port, std::chrono::milliseconds timeout) : impl_(std::make_unique<Impl>()) {
  connect_tcp(impl_->ioc, impl_->stream, port, deadline_after(timeout));
}

RawSocket::~RawSocket() { close(); }

bool RawSocket::send(std::string_view bytes, std::chrono::milliseconds timeout) {
  std::optional<beast::error_code> result;
  asio::async_write(impl_->stream.socket(), asio::buffer(bytes.data(), bytes.size()),
                    [&](beast::error_code ec, std::size_t) { result = ec; });
  if (!run_until(
          impl_->ioc, [&] { return result.has_value(); }, deadline_after(timeout))) {
    close();
    drain_aborted(impl_->ioc);
    throw TimeoutError("RawSocket::send: the peer did not read " + std::to_string(bytes.size()) + " bytes within " +
                       std::to_string(timeout.count()) + " ms");
  }
  return !*result;
}

void RawSocket::shutdown_send() {
  beast::error_code ignored;
  impl_->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

std::string RawSocket::read_some(std::chrono::milliseconds timeout) {
  const auto deadline = deadline_after(timeout);
  while (impl_->pending.empty() && !impl_->peer_closed) {
    if (!impl_->read_once(deadline)) {
      throw TimeoutError("RawSocket::read_some: nothing received within " + std::to_string(timeout.count()) + " ms");
    }
  }
  return std::exchange(impl_->pending, {});
}

std::string RawSocket::read_until_close(std::chrono::milliseconds timeout) {
  const auto deadline = deadline_after(timeout);
  while (!impl_->peer_closed) {
    if (!impl_->read_once(deadline)) {
      throw TimeoutError("RawSocket::read_until_close: still open after " + std::to_string(timeout.count()) +
                         " ms; received so far: " + impl_->pending.substr(0, 2000));
    }
  }
  return std::exchange(impl_->pending, {});
}

bool RawSocket::closed_by_peer(std::chrono::milliseconds timeout) {
  const auto deadline = deadline_after(timeout);
  while (!impl_->peer_closed) {
    if (!impl_->read_once(deadline)) {
      return false;
    }
  }
  return true;
}

void RawSocket::close() {
  beast::error_code ignored;
  impl_->stream.socket().close(ignored);
}

}  // namespace parley::test
