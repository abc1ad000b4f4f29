#include "parley/http/chat_route_support.hpp"

#include <boost/beast/core/string.hpp>

namespace parley::http {

namespace bhttp = boost::beast::http;
namespace asio = boost::asio;
using protocol::ApiError;

namespace {

std::string bearer(const RequestContext& ctx) {
  const std::string h = ctx.header("Authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() > kPrefix.size() && boost::beast::iequals(std::string_view(h).substr(0, kPrefix.size()), kPrefix)) {
    return h.substr(kPrefix.size());
  }
  return {};
}

unsigned status_of(const chat::Reply& reply) { return reply.done == chat::Done::created ? 201 : 200; }

}  // namespace

asio::awaitable<std::variant<Authed, ApiError>> authenticate(RequestContext& ctx, ChatRouteDeps& deps,
                                                             auth::Authenticator::Then then) {
  std::string key = ctx.header("X-Api-Key");
  if (key.empty()) key = ctx.query_param("api_key").value_or("");
  const std::string token = bearer(ctx);
  auto verdict = co_await deps.authenticator.authenticate(key, token, std::move(then));
  if (auto* err = std::get_if<ApiError>(&verdict)) co_return std::move(*err);
  auto& id = std::get<auth::Identity>(verdict);
  Authed a{caller_of(id), id.app};
  co_return a;
}

chat::Caller caller_of(const auth::Identity& id) { return {id.app->id, id.server, id.user_id, id.role}; }

Response render(const chat::Outcome& outcome) {
  if (auto* err = std::get_if<ApiError>(&outcome)) {
    auto res = error_response(*err);
    if (auto it = err->details.find("retry_after_s"); err->status == 429 && it != err->details.end()) {
      res.set(bhttp::field::retry_after, std::to_string(it->get<int>()));
    }
    return res;
  }
  const auto& reply = std::get<chat::Reply>(outcome);
  if (!reply.text.empty()) return json_text_response(status_of(reply), reply.text);  // a copy
  return json_response(status_of(reply), reply.body);
}

Response render(chat::Outcome&& outcome) {
  if (auto* reply = std::get_if<chat::Reply>(&outcome); reply != nullptr && !reply->text.empty()) {
    return json_text_response(status_of(*reply), std::move(reply->text));
  }
  return render(static_cast<const chat::Outcome&>(outcome));
}

std::optional<bool> query_flag(const Params& query, const std::string& name, bool def) {
  auto it = query.find(name);
  if (it == query.end()) return def;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  return std::nullopt;
}

}  // namespace parley::http
