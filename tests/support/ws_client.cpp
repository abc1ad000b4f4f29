#include "support/ws_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>

#include "support/client_connect.hpp"

namespace parley::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// Far above any server limit, so that a too-big message is the server's verdict.
constexpr std::uint64_t kReadMessageMax = 256ULL * 1024 * 1024;
constexpr int kCloseNoStatus = 1005;
constexpr int kCloseAbnormal = 1006;

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

std::string millis(std::chrono::milliseconds timeout) { return std::to_string(timeout.count()) + " ms"; }

}  // namespace

struct WsClient::Impl {
  asio::io_context ioc;
  asio::ssl::context tls_context = make_client_tls_context();
  std::unique_ptr<PlainWs> plain;
  std::unique_ptr<TlsWs> tls;
  beast::flat_buffer read_buffer;
  std::deque<std::string> received;
  HttpResponse upgrade_response;
  bool upgraded = false;
  bool reading = false;
  bool closed = false;
  std::optional<int> close_code;
  std::string close_reason;
  int next_request_id = 0;

  beast::tcp_stream& lowest() { return plain ? beast::get_lowest_layer(*plain) : beast::get_lowest_layer(*tls); }

  template <class F>
  void with_stream(F&& f) {
    if (plain) {
      f(*plain);
    } else {
      f(*tls);
    }
  }

  void require_upgraded(const char* what) const {
    if (!upgraded) {
      throw std::logic_error(std::string("WsClient::") + what + ": not connected (connect() returned no 101)");
    }
  }

  // The read loop: one read in flight until the connection ends.
  void start_read() {
    reading = true;
    with_stream([this](auto& ws) {
      ws.async_read(read_buffer, [this, &ws](beast::error_code ec, std::size_t) {
        reading = false;
        if (ec) {
          on_closed(ec, ws.reason());
          return;
        }
        received.push_back(beast::buffers_to_string(read_buffer.data()));
        read_buffer.consume(read_buffer.size());
        start_read();
      });
    });
  }

  // The reason holds the peer's close frame when one arrived, even if the
  // connection then broke while answering it.
  void on_closed(beast::error_code ec, const websocket::close_reason& reason) {
    closed = true;
    if (close_code) {
      return;
    }
    if (reason.code != websocket::close_code::none) {
      close_code = static_cast<int>(reason.code);
      close_reason = std::string(reason.reason.data(), reason.reason.size());
    } else {
      close_code = ec == websocket::error::closed ? kCloseNoStatus : kCloseAbnormal;
    }
  }

  void drop() {
    beast::error_code ignored;
    lowest().socket().close(ignored);
    drain_aborted(ioc);
    closed = true;
    if (!close_code) {
      close_code = kCloseAbnormal;
    }
  }

  bool wait_for_message(Deadline deadline) {
    return run_until(
        ioc, [this] { return !received.empty() || closed; }, deadline);
  }

  std::string closed_description() const {
    return "the connection is closed (code " + std::to_string(close_code.value_or(0)) +
           (close_reason.empty() ? "" : ", reason \"" + close_reason + "\"") + ")";
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}

WsClient::~WsClient() {
  if (impl_->upgraded && !impl_->closed) {
    try {
      close(1000, std::chrono::seconds(1));
    } catch (const std::exception&) {
      // best effort; the connection is dropped below
    }
  }
  if ((impl_->plain || impl_->tls) && !impl_->closed) {
    impl_->drop();
  }
}

int WsClient::connect(std::uint16_t port, const std::string& target, const std::map<std::string, std::string>& headers,
                      bool tls, std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (impl.plain || impl.tls) {
    throw std::logic_error("WsClient::connect: a client connects once; make a new one");
  }
  const auto deadline = deadline_after(timeout);
  if (tls) {
    impl.tls = std::make_unique<TlsWs>(impl.ioc, impl.tls_context);
    connect_tls(impl.ioc, impl.tls->next_layer(), port, deadline);
  } else {
    impl.plain = std::make_unique<PlainWs>(impl.ioc);
    connect_tcp(impl.ioc, impl.plain->next_layer(), port, deadline);
  }
  const std::string host = std::string(tls ? "localhost:" : "127.0.0.1:") + std::to_string(port);
  websocket::response_type response;
  std::optional<beast::error_code> result;
  impl.with_stream([&](auto& ws) {
    ws.read_message_max(kReadMessageMax);
    ws.auto_fragment(false);
    ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
      request.set(beast::http::field::user_agent, "parley-test");
      for (const auto& [name, value] : headers) {
        request.set(name, value);
      }
    }));
    ws.async_handshake(response, host, target, [&](beast::error_code ec) { result = ec; });
  });
  if (!run_until(
          impl.ioc, [&] { return result.has_value(); }, deadline)) {
    impl.drop();
    throw TimeoutError("WsClient::connect " + target + ": no upgrade response within " + millis(timeout));
  }
  impl.upgrade_response = to_http_response(response);
  if (!*result) {
    impl.upgraded = true;
    impl.start_read();
    return impl.upgrade_response.status;
  }
  impl.drop();
  if (*result == websocket::error::upgrade_declined && impl.upgrade_response.status != 0) {
    return impl.upgrade_response.status;
  }
  throw std::runtime_error("WsClient::connect " + target + ": handshake failed: " + result->message() +
                           " (HTTP status " + std::to_string(impl.upgrade_response.status) + ")");
}

const HttpResponse& WsClient::upgrade_response() const { return impl_->upgrade_response; }

bool WsClient::send_text(const std::string& text, std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  impl.require_upgraded("send_text");
  if (impl.closed) {
    return false;
  }
  std::optional<beast::error_code> result;
  impl.with_stream([&](auto& ws) {
    ws.text(true);
    ws.async_write(asio::buffer(text), [&](beast::error_code ec, std::size_t) { result = ec; });
  });
  if (!run_until(
          impl.ioc, [&] { return result.has_value(); }, deadline_after(timeout))) {
    impl.drop();
    throw TimeoutError("WsClient::send_text: the server did not take " + std::to_string(text.size()) +
                       " bytes within " + millis(timeout));
  }
  return !*result;
}

bool WsClient::send_json(const nlohmann::json& message, std::chrono::milliseconds timeout) {
  return send_text(message.dump(), timeout);
}

std::optional<std::string> WsClient::read_text(std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  impl.require_upgraded("read_text");
  if (!impl.wait_for_message(deadline_after(timeout))) {
    throw TimeoutError("WsClient::read_text: no message within " + millis(timeout));
  }
  if (impl.received.empty()) {
    return std::nullopt;
  }
  std::string message = std::move(impl.received.front());
  impl.received.pop_front();
  return message;
}

nlohmann::json WsClient::read_json(std::chrono::milliseconds timeout) {
  const auto text = read_text(timeout);
  if (!text) {
    throw std::runtime_error("WsClient::read_json: " + impl_->closed_description());
  }
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& error) {
    throw std::runtime_error(std::string("WsClient::read_json: not JSON (") + error.what() +
                             "): " + text->substr(0, 2000));
  }
}

nlohmann::json WsClient::read_until_type(const std::string& type, std::chrono::milliseconds timeout) {
  const auto deadline = deadline_after(timeout);
  std::string skipped;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    nlohmann::json message;
    try {
      message = read_json(std::max(left, std::chrono::milliseconds(0)));
    } catch (const TimeoutError&) {
      throw TimeoutError("WsClient::read_until_type: no \"" + type + "\" within " + millis(timeout) + "; skipped: [" +
                         skipped + "]");
    }
    if (message.is_object() && message.value("type", "") == type) {
      return message;
    }
    skipped += (skipped.empty() ? "" : ", ") + message.dump().substr(0, 200);
  }
}

nlohmann::json WsClient::request(nlohmann::json request, std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  impl.require_upgraded("request");
  if (!request.contains("id")) {
    request["id"] = "req-" + std::to_string(++impl.next_request_id);
  }
  const nlohmann::json id = request["id"];
  const auto deadline = deadline_after(timeout);
  if (!send_json(request, timeout)) {
    throw std::runtime_error("WsClient::request " + request.dump() + ": " + impl.closed_description());
  }
  std::size_t scanned = 0;
  for (;;) {
    for (; scanned < impl.received.size(); ++scanned) {
      const auto message = nlohmann::json::parse(impl.received[scanned], nullptr, false);
      if (message.is_object() && message.value("type", "") == "ack" && message.contains("id") && message["id"] == id) {
        impl.received.erase(impl.received.begin() + static_cast<std::ptrdiff_t>(scanned));
        return message;
      }
    }
    if (impl.closed) {
      throw std::runtime_error("WsClient::request " + request.dump() + ": no ack, " + impl.closed_description());
    }
    const std::size_t seen = impl.received.size();
    if (!run_until(
            impl.ioc, [&] { return impl.received.size() > seen || impl.closed; }, deadline)) {
      throw TimeoutError("WsClient::request " + request.dump() + ": no ack within " + millis(timeout));
    }
  }
}

bool WsClient::wait_for_message(std::chrono::milliseconds timeout) {
  impl_->require_upgraded("wait_for_message");
  return impl_->wait_for_message(deadline_after(timeout));
}

int WsClient::wait_close(std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  impl.require_upgraded("wait_close");
  const auto deadline = deadline_after(timeout);
  while (!impl.closed) {
    impl.received.clear();
    if (!impl.wait_for_message(deadline)) {
      throw TimeoutError("WsClient::wait_close: still open after " + millis(timeout));
    }
  }
  impl.received.clear();
  return impl.close_code.value_or(kCloseAbnormal);
}

void WsClient::close(std::uint16_t code, std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (!impl.upgraded || impl.closed) {
    return;
  }
  std::optional<beast::error_code> result;
  impl.with_stream(
      [&](auto& ws) { ws.async_close(websocket::close_reason(code), [&](beast::error_code ec) { result = ec; }); });
  if (!run_until(
          impl.ioc, [&] { return result.has_value() && !impl.reading; }, deadline_after(timeout))) {
    impl.drop();
    throw TimeoutError("WsClient::close: the server did not answer the close frame within " + millis(timeout));
  }
  impl.closed = true;
  if (!impl.close_code) {
    impl.close_code = code;
  }
}

void WsClient::drop() {
  if (impl_->plain || impl_->tls) {
    impl_->drop();
  }
}

bool WsClient::is_open() const { return impl_->upgraded && !impl_->closed; }

std::optional<int> WsClient::close_code() const {
  if (!impl_->closed) {
    return std::nullopt;
  }
  return impl_->close_code;
}

std::string WsClient::close_reason() const { return impl_->close_reason; }

}  // namespace parley::test
