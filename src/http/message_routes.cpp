#include "parley/http/chat_routes.hpp"

#include "parley/chat/channel_types.hpp"
#include "parley/chat/reactions.hpp"
#include "parley/http/chat_route_support.hpp"


namespace parley::http {

namespace bhttp = boost::beast::http;

void add_type_and_reaction_routes(Router& router, ChatRouteDeps& deps) {
  using obs::RouteClass;
  using C = chat::Connection;
  using J = nlohmann::json;

  router.add(
      bhttp::verb::post, "/v1/channel_types", RouteClass::write,
      db_route(deps, Body::required, [](C& c, const chat::Caller& who, const Params&, const Params&, const J& b) {
        return chat::create_channel_type(c, who, b);
      }));
  router.add(bhttp::verb::get, "/v1/channel_types", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params&, const Params&, const J&) {
               return chat::list_channel_types(c, who);
             }));
  router.add(bhttp::verb::get, "/v1/channel_types/{name}", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J&) {
               return chat::get_channel_type(c, who, p.at("name"));
             }));
  router.add(
      bhttp::verb::patch, "/v1/channel_types/{name}", RouteClass::write,
      db_route(deps, Body::required, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J& b) {
        return chat::update_channel_type(c, who, p.at("name"), b);
      }));
  router.add(
      bhttp::verb::post, "/v1/messages/{id}/reactions", RouteClass::write,
      db_route(deps, Body::required, [](C& c, const chat::Caller& who, const Params& p, const Params&, const J& b) {
        return chat::add_reaction(c, who, p.at("id"), b);
      }));
  router.add(bhttp::verb::delete_, "/v1/messages/{id}/reactions/{type}", RouteClass::write,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params& p, const Params& q, const J&) {
               return chat::delete_reaction(c, who, p.at("id"), p.at("type"), q);
             }));
  router.add(bhttp::verb::get, "/v1/messages/{id}/replies", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const chat::Caller& who, const Params& p, const Params& q, const J&) {
               return chat::list_replies(c, who, p.at("id"), q);
             }));
}

}  // namespace parley::http
