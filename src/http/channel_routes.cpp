// REST routes of channel administration and the channel list (API.md section 5,
// Channels): distinct channels, GET /v1/channels, delete, truncate, hide/show,
// mute/unmute. Thin: each runs one chat operation on the DbPool.
#include "parley/http/chat_routes.hpp"

#include "parley/chat/channel_admin.hpp"
#include "parley/chat/channel_list.hpp"
#include "parley/http/chat_route_support.hpp"


namespace parley::http {

namespace bhttp = boost::beast::http;
using protocol::ApiError;

void add_channel_admin_routes(Router& router, ChatRouteDeps& deps) {
  using obs::RouteClass;
  using C = chat::Connection;
  using J = nlohmann::json;
  using chat::Caller;

  router.add(bhttp::verb::post, "/v1/channels/{type}", RouteClass::write,
             db_route(deps, Body::required, [](C& c, const Caller& who, const Params& p, const Params&, const J& b) {
               return chat::create_distinct_channel(c, who, p.at("type"), b);
             }));
  router.add(bhttp::verb::get, "/v1/channels", RouteClass::read,
             db_route(deps, Body::none, [](C& c, const Caller& who, const Params&, const Params& q, const J&) {
               return chat::list_channels(c, who, q);
             }));
  router.add(bhttp::verb::delete_, "/v1/channels/{type}/{id}", RouteClass::write,
             db_route(deps, Body::none, [](C& c, const Caller& who, const Params& p, const Params& q, const J&) {
               const auto hard = query_flag(q, "hard", false);
               if (!hard) return chat::Outcome{ApiError::invalid_request("hard must be true or false")};
               return chat::delete_channel(c, who, p.at("type"), p.at("id"), *hard);
             }));
  router.add(bhttp::verb::post, "/v1/channels/{type}/{id}/truncate", RouteClass::write,
             db_route(deps, Body::optional, [](C& c, const Caller& who, const Params& p, const Params&, const J& b) {
               return chat::truncate_channel(c, who, p.at("type"), p.at("id"), b);
             }));
  for (const bool on : {true, false}) {
    router.add(bhttp::verb::post, std::string("/v1/channels/{type}/{id}/") + (on ? "hide" : "show"), RouteClass::write,
               db_route(deps, Body::optional, [on](C& c, const Caller& who, const Params& p, const Params&, const J& b) {
                 return chat::set_channel_hidden(c, who, p.at("type"), p.at("id"), b, on);
               }));
    router.add(bhttp::verb::post, std::string("/v1/channels/{type}/{id}/") + (on ? "mute" : "unmute"),
               RouteClass::write,
               db_route(deps, Body::optional, [on](C& c, const Caller& who, const Params& p, const Params&, const J& b) {
                 return chat::set_channel_muted(c, who, p.at("type"), p.at("id"), b, on);
               }));
  }
}

}  // namespace parley::http
