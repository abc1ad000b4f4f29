#pragma once
// One request through the router: request id, 404/405 envelopes, exception
// to 500/503 mapping, common headers and metrics. Called by the HTTP session.
#include "parley/http/request_context.hpp"
#include "parley/http/router.hpp"
#include "parley/obs/metrics.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace parley::http {

/// The client's X-Request-Id when it is sane (1..128 of [A-Za-z0-9._-]), else a fresh random id.
std::string request_id_for(const Request& request);

/// Routes and runs the handler; never throws.
boost::asio::awaitable<Response> dispatch(const Router& router, const config::Config& config, const Request& request,
                                          const std::string& request_id, const std::string& remote_ip,
                                          obs::RouteClass& route_class);

/// Sets X-Request-Id, Server, and (for HEAD) drops the body.
void finish_response(Response& response, const std::string& request_id, bool head_request);

}  // namespace parley::http
