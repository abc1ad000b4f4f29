#include "parley/http/dispatch.hpp"

#include "parley/obs/log.hpp"
#include "parley/chat/failures.hpp"


#include <random>

namespace parley::http {

namespace bhttp = boost::beast::http;
using protocol::ApiError;

std::string request_id_for(const Request& request) {
  if (auto it = request.find("X-Request-Id"); it != request.end()) {
    const auto v = it->value();
    bool sane = !v.empty() && v.size() <= 128;
    for (char c : v) {
      sane = sane && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
    }
    if (sane) return std::string(v);
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(24, '0');
  auto a = rng(), b = rng();
  for (int i = 0; i < 16; ++i) id[static_cast<std::size_t>(i)] = kHex[(a >> (i * 4)) & 0xF];
  for (int i = 0; i < 8; ++i) id[static_cast<std::size_t>(16 + i)] = kHex[(b >> (i * 4)) & 0xF];
  return id;
}

void finish_response(Response& response, const std::string& request_id, bool head_request) {
  response.set("X-Request-Id", request_id);
  response.set(bhttp::field::server, "parley");
  if (head_request) {
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
}

boost::asio::awaitable<Response> dispatch(const Router& router, const config::Config& config, const Request& request,
                                          const std::string& request_id, const std::string& remote_ip,
                                          obs::RouteClass& route_class) {
  RequestContext ctx{request, config, {}, {}, {}, request_id, remote_ip};
  route_class = obs::RouteClass::unmatched;
  if (!parse_target(request.target(), ctx.path, ctx.query)) {
    co_return error_response(ApiError::invalid_request("request target is not valid percent-encoding"));
  }
  auto match = router.match(request.method(), ctx.path);
  if (match.handler == nullptr) {
    if (match.error_status == 405) {
      auto res = error_response(ApiError::method_not_allowed(std::string(request.method_string()) +
                                                             " is not allowed on " + ctx.path));
      res.set(bhttp::field::allow, match.allow);
      co_return res;
    }
    co_return error_response(ApiError::not_found("no route for " + ctx.path));
  }
  route_class = match.route_class;
  ctx.params = std::move(match.params);
  std::exception_ptr failure;
  try {
    co_return co_await (*match.handler)(ctx);
  } catch (const std::exception& e) {
    if (chat::is_unavailable(e)) {
      obs::warn("database unavailable", {{"request_id", request_id}, {"error", e.what()}});
      co_return error_response(ApiError::unavailable("the database is unavailable; retry shortly"));
    }
    obs::error("request failed", {{"request_id", request_id}, {"path", ctx.path}, {"error", e.what()}});
  } catch (...) {
    obs::error("request failed", {{"request_id", request_id}, {"path", ctx.path}});
  }
  co_return error_response(ApiError::internal(request_id));
}

}  // namespace parley::http
