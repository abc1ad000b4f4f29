#pragma once
// Private to the WsSession translation units (ws_session*.cpp): shared limits and helpers.
#include "parley/obs/log.hpp"
#include "parley/protocol/api_error.hpp"
#include "parley/chat/failures.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace parley::ws::detail {

namespace asio = boost::asio;
using protocol::ApiError;

inline constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
inline constexpr std::size_t kMaxWatchPerOp = 100;  // channels in one watch request
inline constexpr std::size_t kMaxWatches = 1000;    // channels watched by one connection
inline constexpr std::size_t kMaxHeld = 1024;       // live events held back while a watch reads PostgreSQL
inline constexpr auto kTypingTimeout = std::chrono::seconds(7);  // typing.stop sent by the server without a refresh
inline constexpr std::size_t kKeepReadCapacity = 1024;  // an idle connection's read buffer at most

// Awaits a callback-style operation: `start(done)` calls done(T) exactly once, on any thread; the
// coroutine resumes on its own executor.
template <class T, class Start>
asio::awaitable<T> await_callback(Start start) {
  auto initiate = [start = std::move(start)](auto handler) mutable {
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    start([h](T value) {
      auto ex = asio::get_associated_executor(*h);
      asio::post(ex, [h, value = std::move(value)]() mutable { std::move(*h)(std::move(value)); });
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(T)>(std::move(initiate),
                                                                                  asio::use_awaitable);
}

// The answer to a DbPool call that failed: 503 when the database is unavailable, 500 otherwise.
inline ApiError db_failure(const std::exception& e) {
  if (chat::is_unavailable(e)) {
    return ApiError::unavailable("database unavailable; retry");
  }
  obs::error("websocket operation failed", {{"error", e.what()}});
  return ApiError{"internal", 500, "internal error"};
}

// "type:id" -> (type, id); false when there is no colon.
inline bool split_cid(const nlohmann::json& cid, std::string& type, std::string& id) {
  if (!cid.is_string()) return false;
  const auto& s = cid.get_ref<const std::string&>();
  const auto colon = s.find(':');
  if (colon == std::string::npos) return false;
  type = s.substr(0, colon);
  id = s.substr(colon + 1);
  return true;
}

}  // namespace parley::ws::detail

namespace parley::ws {
// The names every WsSession translation unit uses.
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using protocol::ApiError;
using namespace detail;
}  // namespace parley::ws
