// Users and App administration routes (API.md sections 2 and 5): list and
// search users, PATCH / DELETE a user, per-user token revocation, and the
// app's own settings. Thin: each runs one chat operation on the DbPool.
#include "parley/http/chat_route_support.hpp"

#include "parley/chat/app_settings.hpp"
#include "parley/chat/user_admin.hpp"


namespace parley::http {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;

void add_user_routes(Router& router, ChatRouteDeps& deps) {
  using obs::RouteClass;
  using C = chat::Connection;
  using J = nlohmann::json;

  router.add(bhttp::verb::get, "/v1/users", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params&, const Params& q, const J&) {
               return chat::list_users(c, who, q);
             }));
  router.add(
      bhttp::verb::patch, "/v1/users/{id}", RouteClass::write,
      db_route(deps, Body::required, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J& b) {
        return chat::update_user(c, who, p.at("id"), b);
      }));
  router.add(bhttp::verb::delete_, "/v1/users/{id}", RouteClass::write,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params& p, const Params& q, const J&) {
               return chat::delete_user(c, who, p.at("id"), q);
             }));
  router.add(
      bhttp::verb::post, "/v1/users/{id}/revoke_tokens", RouteClass::write,
      db_route(deps, Body::optional, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J& b) {
        return chat::revoke_user_tokens(c, who, p.at("id"), b);
      }));
  router.add(bhttp::verb::get, "/v1/app", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params&, const Params&, const J&) {
               return chat::get_app(c, who);
             }));
  // Authenticators cache app rows (10 s): the change drops them here at once and on every node through the bus.
  router.add(bhttp::verb::patch, "/v1/app", RouteClass::write,
             authed(deps, [&deps](RequestContext& ctx, Authed& a) -> asio::awaitable<Response> {
               PARLEY_JSON_BODY(ctx, body);
               auto call = [caller = a.caller, body](C& c) { return chat::update_app(c, caller, body); };
               const chat::Outcome outcome = co_await deps.services.run(std::move(call));
               if (std::holds_alternative<chat::Reply>(outcome)) deps.authenticator.invalidate_everywhere(a.app->api_key);
               co_return render(outcome);
             }));
}

}  // namespace parley::http
