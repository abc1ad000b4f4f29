#pragma once
// What every chat REST route file shares: authentication of the caller, the
// rendering of a chat Outcome, and db_route(), which wraps one synchronous
// chat operation run on the DbPool.
#include "parley/chat/channel_event.hpp"
#include "parley/chat/outcome.hpp"
#include "parley/http/chat_routes.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>

namespace parley::http {

/// The caller plus what some handlers need of its app.
struct Authed {
  chat::Caller caller;
  std::shared_ptr<const storage::AppRecord> app;
};

/// Checks the api key and the bearer token of the request; `then` as in Authenticator::authenticate.
boost::asio::awaitable<std::variant<Authed, protocol::ApiError>> authenticate(
    RequestContext& ctx, ChatRouteDeps& deps, auth::Authenticator::Then then = nullptr);
/// The chat caller of an authenticated identity.
chat::Caller caller_of(const auth::Identity& id);

/// A chat Outcome as a response (429 answers get Retry-After from details.retry_after_s).
Response render(const chat::Outcome& outcome);
/// The same, moving a reply's pre-rendered text into the response instead of copying it.
Response render(chat::Outcome&& outcome);

/// Wraps a handler(ctx, Authed&) that needs an authenticated caller.
template <class F>
Handler authed(ChatRouteDeps& deps, F handler) {
  return [&deps, handler](RequestContext& ctx) -> boost::asio::awaitable<Response> {
    auto who = co_await authenticate(ctx, deps);
    if (auto* err = std::get_if<protocol::ApiError>(&who)) co_return error_response(*err);
    co_return co_await handler(ctx, std::get<Authed>(who));
  };
}

// Parses the JSON body into `var` or answers the error (inside a coroutine handler).
#define PARLEY_JSON_BODY(ctx, var)                                        \
  auto var##_parsed = (ctx).json_body();                                  \
  if (auto* var##_err = std::get_if<protocol::ApiError>(&var##_parsed)) { \
    co_return error_response(*var##_err);                                 \
  }                                                                       \
  const nlohmann::json var = std::move(std::get<nlohmann::json>(var##_parsed))

enum class Body { none, required, optional };
using Params = std::map<std::string, std::string>;

/// A route that authenticates, parses the body as `mode` says, and runs one
/// chat operation op(connection, caller, path params, query, body) -> Outcome on the DbPool.
/// For a user token the operation runs in the pool call that checked the user's auth state (one hand-off
/// to a database thread per request, not two); a server token needs no auth query, so it runs alone.
/// An authentication error wins over a body error, as before.
template <class Op>
Handler db_route(ChatRouteDeps& deps, Body mode, Op op) {
  return [&deps, mode, op](RequestContext& ctx) -> boost::asio::awaitable<Response> {
    std::optional<protocol::ApiError> bad_body;
    nlohmann::json body = nlohmann::json::object();
    if (mode == Body::required || (mode == Body::optional && !ctx.request.body().empty())) {
      auto parsed = ctx.json_body();
      if (auto* err = std::get_if<protocol::ApiError>(&parsed)) {
        bad_body = std::move(*err);
      } else {
        body = std::move(std::get<nlohmann::json>(parsed));
      }
    }
    auto outcome = std::make_shared<std::optional<chat::Outcome>>();
    auto run = std::make_shared<std::function<void(chat::Connection&, const chat::Caller&)>>(
        [op, params = ctx.params, query = ctx.query, body = std::move(body), services = &deps.services,
                outcome](chat::Connection& c, const chat::Caller& caller) {
      auto result = op(c, caller, params, query, body);
      services->publish(result);  // what it committed goes to watchers
      *outcome = std::move(result);
    });
    auth::Authenticator::Then then;
    if (!bad_body) then = [run](chat::Connection& c, const auth::Identity& id) { (*run)(c, caller_of(id)); };
    auto who = co_await authenticate(ctx, deps, std::move(then));
    if (auto* err = std::get_if<protocol::ApiError>(&who)) co_return error_response(*err);
    if (bad_body) co_return error_response(*bad_body);
    if (!outcome->has_value()) {
      auto alone = [run, caller = std::get<Authed>(who).caller](chat::Connection& c) { (*run)(c, caller); };
      co_await deps.services.db().run(std::move(alone));
    }
    co_return render(std::move(**outcome));
  };
}

/// "true" / "false" / absent (-> def) query flag; nullopt when it is something else.
std::optional<bool> query_flag(const Params& query, const std::string& name, bool def);

}  // namespace parley::http
