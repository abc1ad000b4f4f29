#include "parley/ws/ws_gateway.hpp"

#include "parley/auth/random.hpp"
#include "parley/chat/read_state.hpp"
#include "parley/protocol/request_parsing.hpp"
#include "parley/obs/log.hpp"
#include "parley/protocol/timestamp.hpp"
#include "parley/ws/ws_session.hpp"
#include "parley/ws/write_coalescer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

namespace parley::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string bearer_token(const net::UpgradeRequest& req) {
  auto it = req.find(beast::http::field::authorization);
  if (it == req.end()) return {};
  const auto v = it->value();
  constexpr std::string_view kBearer = "Bearer ";
  if (v.size() > kBearer.size() && beast::iequals(v.substr(0, kBearer.size()), kBearer)) {
    return std::string(v.substr(kBearer.size()));
  }
  return {};
}

void release_string(std::string& s) {
  s.clear();
  s.shrink_to_fit();
}

}  // namespace

template <class Stream>
asio::awaitable<void> WsGateway::accept(Stream stream, net::UpgradeRequest request, const std::string& request_id) {
  std::string path;
  std::map<std::string, std::string> query;
  protocol::parse_target(request.target(), path, query);
  std::string api_key = query.count("api_key") ? query["api_key"] : std::string(request["X-Api-Key"]);
  std::string token = query.count("token") ? query["token"] : bearer_token(request);

  // Authenticate before the handshake; the verdict is sent over the WebSocket either way.
  std::variant<auth::Identity, protocol::ApiError> verdict = protocol::ApiError::unavailable("not checked");
  // connection.ok's user and unread totals come from the authentication's own database call.
  auto me_body = std::make_shared<nlohmann::json>();
  auto load_me = [me_body](chat::Connection& c, const auth::Identity& id) {
    *me_body = chat::read_me(c, id.app->id, id.user_id);  // one statement, one snapshot, one round trip
  };
  try {
    verdict = co_await deps_.authenticator.authenticate(api_key, token, std::move(load_me));
  } catch (const std::exception& e) {
    obs::warn("websocket auth unavailable", {{"request_id", request_id}, {"error", e.what()}});
    verdict = protocol::ApiError::unavailable("authentication is unavailable; retry shortly");
  }

  // Frames are gathered into batched physical writes (one syscall / TLS write for many frames).
  websocket::stream<WriteCoalescer<Stream>> ws(std::move(stream));
  ws.next_layer().set_write_counter(&deps_.metrics.ws_writes);
  ws.set_option(websocket::stream_base::timeout{
      std::chrono::seconds(10), std::chrono::seconds(2 * deps_.config.ws_heartbeat_s), true});
  ws.read_message_max(deps_.config.ws_frame_limit);
  ws.set_option(websocket::stream_base::decorator([request_id](websocket::response_type& res) {
    res.set(beast::http::field::server, "parley");
    res.set("X-Request-Id", request_id);
  }));
  auto [ec] = co_await ws.async_accept(request, kTuple);
  if (ec) co_return;
  // This frame lives as long as the connection: keep none of the upgrade request.
  request = net::UpgradeRequest{};
  release_string(path);
  release_string(api_key);
  release_string(token);
  query.clear();

  if (auto* error = std::get_if<protocol::ApiError>(&verdict)) {
    const nlohmann::json frame = {{"type", "connection.error"}, {"error", error->to_json()["error"]}};
    ws.text(true);
    const std::string text = frame.dump();
    co_await ws.async_write(asio::buffer(text), kTuple);
    const auto code = error->status == 503 ? CloseCode::try_again_later : CloseCode::unauthenticated;
    const websocket::close_reason reason(static_cast<std::uint16_t>(code));
    co_await ws.async_close(reason, kTuple);
    co_return;
  }
  auto session = std::make_shared<WsSession<WriteCoalescer<Stream>>>(
      std::move(ws), deps_, std::get<auth::Identity>(verdict), deps_.node_id + "-" + auth::random_hex(8));
  session->start(std::move(*me_body));  // this coroutine, and the HTTP connection's, end here
}

asio::awaitable<void> WsGateway::upgrade(net::PlainStream stream, net::UpgradeRequest request,
                                         const std::string& request_id, const std::string&) {
  net::PlainSocket socket = stream.release_socket();  // the session needs no tcp_stream state
  co_await accept(std::move(socket), std::move(request), request_id);
}

asio::awaitable<void> WsGateway::upgrade(net::TlsStream stream, net::UpgradeRequest request,
                                         const std::string& request_id, const std::string&) {
  co_await accept(std::move(stream), std::move(request), request_id);
}

}  // namespace parley::ws
