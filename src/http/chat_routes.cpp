#include "parley/http/chat_routes.hpp"

#include "parley/auth/jwt.hpp"
#include "parley/chat/channel_store.hpp"
#include "parley/chat/read_state.hpp"
#include "parley/chat/user_store.hpp"
#include "parley/protocol/ids.hpp"

#include <pqxx/pqxx>

namespace parley::http {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using protocol::ApiError;

namespace {

/// The caller plus what some handlers need of its app.
struct Authed {
  chat::Caller caller;
  std::shared_ptr<const storage::AppRecord> app;
};

std::string bearer(const RequestContext& ctx) {
  const std::string h = ctx.header("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() > kPrefix.size() && boost::beast::iequals(std::string_view(h).substr(0, kPrefix.size()), kPrefix)) {
    return h.substr(kPrefix.size());
  }
  return {};
}

asio::awaitable<std::variant<Authed, ApiError>> authenticate(RequestContext& ctx, ChatRouteDeps& deps) {
  std::string key = ctx.header("X-Api-Key");
  if (key.empty()) key = ctx.query_param("api_key").value_or("");
  const std::string token = bearer(ctx);
  auto verdict = co_await deps.authenticator.authenticate(key, token);
  if (auto* err = std::get_if<ApiError>(&verdict)) co_return std::move(*err);
  auto& id = std::get<auth::Identity>(verdict);
  Authed a{{id.app->id, id.server, id.user_id, "user"}, id.app};
  if (!id.server) {
    if (!protocol::is_valid_user_id(id.user_id)) co_return ApiError::unauthenticated("token user_id is not a valid id");
    const auto app_id = id.app->id;
    const auto user_id = id.user_id;
    auto load = [app_id, user_id](pqxx::connection& c) { return chat::load_user_auth_state(c, app_id, user_id); };
    auto state = co_await deps.db.run(std::move(load));
    if (state) {
      if (state->deleted || state->deactivated) co_return ApiError::unauthenticated("user is deactivated or deleted");
      if (state->revoke_tokens_before_s && (!id.iat || *id.iat < *state->revoke_tokens_before_s)) {
        co_return ApiError{"token_revoked", 401, "token was revoked"};
      }
      a.caller.app_role = state->role;
    }
  }
  co_return a;
}

Response render(const chat::Outcome& outcome) {
  if (auto* err = std::get_if<ApiError>(&outcome)) return error_response(*err);
  const auto& reply = std::get<chat::Reply>(outcome);
  return json_response(static_cast<unsigned>(reply.status), reply.body);
}

// Wraps a handler that needs an authenticated caller.
template <class F>
Handler authed(ChatRouteDeps& deps, F handler) {
  return [&deps, handler](RequestContext& ctx) -> asio::awaitable<Response> {
    auto who = co_await authenticate(ctx, deps);
    if (auto* err = std::get_if<ApiError>(&who)) co_return error_response(*err);
    co_return co_await handler(ctx, std::get<Authed>(who));
  };
}

// Parses the JSON body or answers the error.
#define PARLEY_JSON_BODY(ctx, var)                                        \
  auto var##_parsed = (ctx).json_body();                                  \
  if (auto* var##_err = std::get_if<ApiError>(&var##_parsed)) {           \
    co_return error_response(*var##_err);                                 \
  }                                                                       \
  const nlohmann::json var = std::move(std::get<nlohmann::json>(var##_parsed))

}  // namespace

void add_chat_routes(Router& router, ChatRouteDeps& deps) {
  using obs::RouteClass;
  ChatRouteDeps* d = &deps;

  router.add(bhttp::verb::post, "/v1/users", RouteClass::write,
             authed(deps, [d](RequestContext& ctx, Authed& a) -> asio::awaitable<Response> {
               PARLEY_JSON_BODY(ctx, body);
               auto op = [caller = a.caller, body](pqxx::connection& c) { return chat::upsert_users(c, caller, body); };
               co_return render(co_await d->db.run(std::move(op)));
             }));

  router.add(bhttp::verb::get, "/v1/users/{id}", RouteClass::read,
             authed(deps, [d](RequestContext& ctx, Authed& a) -> asio::awaitable<Response> {
               auto op = [caller = a.caller, id = ctx.params["id"]](pqxx::connection& c) {
                 return chat::get_user(c, caller, id);
               };
               co_return render(co_await d->db.run(std::move(op)));
             }));

  router.add(bhttp::verb::post, "/v1/users/{id}/token", RouteClass::write,
             authed(deps, [](RequestContext& ctx, Authed& a) -> asio::awaitable<Response> {
               if (!a.caller.server) co_return error_response(ApiError::forbidden("only a server token may mint tokens"));
               const std::string user_id = ctx.params["id"];
               if (!protocol::is_valid_user_id(user_id)) co_return error_response(ApiError::invalid_request("invalid user id"));
               std::int64_t exp_s = 3600;
               if (!ctx.request.body().empty()) {
                 PARLEY_JSON_BODY(ctx, body);
                 if (body.contains("exp_s")) {
                   if (!body["exp_s"].is_number_integer() || body["exp_s"].get<std::int64_t>() < 1 ||
                       body["exp_s"].get<std::int64_t>() > 365LL * 86400) {
                     co_return error_response(ApiError::invalid_request("exp_s must be from 1 to 31536000"));
                   }
                   exp_s = body["exp_s"].get<std::int64_t>();
                 }
               }
               const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
               const nlohmann::json claims = {{"user_id", user_id}, {"iat", now}, {"exp", now + exp_s}};
               co_return json_response(200, {{"token", auth::sign_token(claims, a.app->api_secret)}});
             }));

  router.add(bhttp::verb::put, "/v1/channels/{type}/{id}", RouteClass::write,
             authed(deps, [d](RequestContext& ctx, Authed& a) -> asio::awaitable<Response> {
               nlohmann::json body = nlohmann::json::object();
               if (!ctx.request.body().empty()) {
                 PARLEY_JSON_BODY(ctx, parsed);
                 body = parsed;
               }
               auto op = [caller = a.caller, type = ctx.params["type"], id = ctx.params["id"], body](pqxx::connection& c) {
                 return chat::create_or_get_channel(c, caller, type, id, body);
               };
               co_return render(co_await d->db.run(std::move(op)));
             }));

  router.add(bhttp::verb::get, "/v1/channels/{type}/{id}", RouteClass::read,
             authed(deps, [d](RequestContext& ctx, Authed& a) -> asio::awaitable<Response> {
               auto op = [caller = a.caller, type = ctx.params["type"], id = ctx.params["id"]](pqxx::connection& c) {
                 return chat::get_channel(c, caller, type, id);
               };
               co_return render(co_await d->db.run(std::move(op)));
             }));

  router.add(bhttp::verb::post, "/v1/channels/{type}/{id}/messages", RouteClass::write,
             authed(deps, [d](RequestContext& ctx, Authed& a) -> asio::awaitable<Response> {
               PARLEY_JSON_BODY(ctx, body);
               auto op = [caller = a.caller, type = ctx.params["type"], id = ctx.params["id"], body](pqxx::connection& c) {
                 return chat::send_message(c, caller, type, id, body);
               };
               co_return render(co_await d->db.run(std::move(op)));
             }));

  router.add(bhttp::verb::get, "/v1/channels/{type}/{id}/messages", RouteClass::read,
             authed(deps, [d](RequestContext& ctx, Authed& a) -> asio::awaitable<Response> {
               auto op = [caller = a.caller, type = ctx.params["type"], id = ctx.params["id"], q = ctx.query](pqxx::connection& c) {
                 return chat::list_messages(c, caller, type, id, q);
               };
               co_return render(co_await d->db.run(std::move(op)));
             }));

  router.add(bhttp::verb::post, "/v1/channels/{type}/{id}/read", RouteClass::write,
             authed(deps, [d](RequestContext& ctx, Authed& a) -> asio::awaitable<Response> {
               nlohmann::json body = nlohmann::json::object();
               if (!ctx.request.body().empty()) {
                 PARLEY_JSON_BODY(ctx, parsed);
                 body = parsed;
               }
               auto op = [caller = a.caller, type = ctx.params["type"], id = ctx.params["id"], body](pqxx::connection& c) {
                 return chat::mark_read(c, caller, type, id, body);
               };
               co_return render(co_await d->db.run(std::move(op)));
             }));

  router.add(bhttp::verb::get, "/v1/me", RouteClass::read,
             authed(deps, [d](RequestContext&, Authed& a) -> asio::awaitable<Response> {
               auto op = [caller = a.caller](pqxx::connection& c) { return chat::get_me(c, caller); };
               co_return render(co_await d->db.run(std::move(op)));
             }));

  router.add(bhttp::verb::get, "/v1/channels/{type}/{id}/events", RouteClass::read,
             authed(deps, [d](RequestContext& ctx, Authed& a) -> asio::awaitable<Response> {
               auto op = [caller = a.caller, type = ctx.params["type"], id = ctx.params["id"], q = ctx.query](pqxx::connection& c) {
                 return chat::list_events(c, caller, type, id, q);
               };
               co_return render(co_await d->db.run(std::move(op)));
             }));
}

}  // namespace parley::http
