#include "parley/http/chat_routes.hpp"

#include "parley/http/chat_route_support.hpp"

#include "parley/auth/jwt.hpp"
#include "parley/chat/channel_store.hpp"
#include "parley/chat/event_log.hpp"
#include "parley/chat/member_ops.hpp"
#include "parley/chat/message_ops.hpp"
#include "parley/chat/read_state.hpp"
#include "parley/chat/user_store.hpp"
#include "parley/protocol/ids.hpp"


namespace parley::http {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using protocol::ApiError;

void add_chat_routes(Router& router, ChatRouteDeps& deps) {
  using obs::RouteClass;
  using C = chat::Connection;
  using J = nlohmann::json;

  router.add(bhttp::verb::post, "/v1/users", RouteClass::write,
             db_route(deps, Body::required, [](C& c, const chat::Caller& who, const Params&, const Params&, const J& b) {
               return chat::upsert_users(c, who, b);
             }));
  router.add(bhttp::verb::get, "/v1/users/{id}", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J&) {
               return chat::get_user(c, who, p.at("id"));
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
  router.add(bhttp::verb::get, "/v1/me", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params&, const Params&, const J&) {
               return chat::get_me(c, who);
             }));

  router.add(bhttp::verb::put, "/v1/channels/{type}/{id}", RouteClass::write,
             db_route(deps, Body::optional, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J& b) {
               return chat::create_or_get_channel(c, who, p.at("type"), p.at("id"), b);
             }));
  router.add(bhttp::verb::get, "/v1/channels/{type}/{id}", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J&) {
               return chat::get_channel(c, who, p.at("type"), p.at("id"));
             }));
  router.add(bhttp::verb::post, "/v1/channels/{type}/{id}/messages", RouteClass::write,
             authed(deps, [&deps](RequestContext& ctx, Authed& a) -> asio::awaitable<Response> {
               PARLEY_JSON_BODY(ctx, body);
               std::string type = ctx.params["type"];
               std::string id = ctx.params["id"];
               auto draft = chat::prepare_send(a.caller, type, id, body);
               if (auto* err = std::get_if<ApiError>(&draft)) co_return error_response(*err);
               chat::Caller caller = a.caller;
               chat::MessageDraft message = std::move(std::get<chat::MessageDraft>(draft));
               const chat::Outcome outcome =
                   co_await deps.sends.send(std::move(caller), std::move(type), std::move(id), std::move(message));
               co_return render(outcome);
             }));
  router.add(bhttp::verb::get, "/v1/channels/{type}/{id}/messages", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params& p, const Params& q, const J&) {
               return chat::list_messages(c, who, p.at("type"), p.at("id"), q);
             }));
  router.add(bhttp::verb::post, "/v1/channels/{type}/{id}/read", RouteClass::write,
             db_route(deps, Body::optional, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J& b) {
               return chat::mark_read(c, who, p.at("type"), p.at("id"), b);
             }));
  router.add(bhttp::verb::patch, "/v1/channels/{type}/{id}", RouteClass::write,
             db_route(deps, Body::required, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J& b) {
               return chat::update_channel(c, who, p.at("type"), p.at("id"), b);
             }));
  router.add(bhttp::verb::post, "/v1/channels/{type}/{id}/members", RouteClass::write,
             db_route(deps, Body::required, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J& b) {
               return chat::update_members(c, who, p.at("type"), p.at("id"), b);
             }));
  router.add(bhttp::verb::get, "/v1/channels/{type}/{id}/members", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params& p, const Params& q, const J&) {
               return chat::list_members(c, who, p.at("type"), p.at("id"), q);
             }));
  router.add(bhttp::verb::get, "/v1/messages/{id}", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J&) {
               return chat::get_message(c, who, p.at("id"));
             }));
  router.add(bhttp::verb::patch, "/v1/messages/{id}", RouteClass::write,
             db_route(deps, Body::required, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J& b) {
               return chat::update_message(c, who, p.at("id"), b);
             }));
  router.add(bhttp::verb::delete_, "/v1/messages/{id}", RouteClass::write,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params& p, const Params& q, const J&) {
               const auto hard = query_flag(q, "hard", false);
               if (!hard) return chat::Outcome{ApiError::invalid_request("hard must be true or false")};
               return chat::delete_message(c, who, p.at("id"), *hard);
             }));
  router.add(bhttp::verb::get, "/v1/channels/{type}/{id}/events", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params& p, const Params& q, const J&) {
               return chat::list_events(c, who, p.at("type"), p.at("id"), q);
             }));
  router.add(bhttp::verb::post, "/v1/sync", RouteClass::read,
             db_route(deps, Body::required, [](C& c, const chat::Caller& who, const Params&, const Params&, const J& b) {
               return chat::sync_events(c, who, b);
             }));
  add_channel_admin_routes(router, deps);
  add_user_routes(router, deps);
  add_type_and_reaction_routes(router, deps);
}

}  // namespace parley::http
