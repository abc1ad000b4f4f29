#pragma once
// Method + path pattern ("/v1/channels/{type}/{id}") -> handler. Built once
// at start-up, then read concurrently by every io thread without locks.
#include "parley/http/request_context.hpp"
#include "parley/obs/metrics.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <functional>
#include <string>
#include <vector>

namespace parley::http {

using Handler = std::function<boost::asio::awaitable<Response>(RequestContext&)>;

class Router {
 public:
  void add(boost::beast::http::verb method, const std::string& pattern, obs::RouteClass route_class,
           Handler handler);

  struct Match {
    const Handler* handler = nullptr;       // null: see error
    obs::RouteClass route_class = obs::RouteClass::unmatched;
    std::map<std::string, std::string> params;
    std::string allow;                      // for 405: the methods the path accepts
    int error_status = 0;                   // 404 or 405 when handler is null
  };
  Match match(boost::beast::http::verb method, const std::string& path) const;

 private:
  struct Route {
    boost::beast::http::verb method;
    std::vector<std::string> segments;  // "{name}" segments capture
    obs::RouteClass route_class;
    Handler handler;
  };
  static std::vector<std::string> split_path(const std::string& path);
  static bool match_segments(const Route& r, const std::vector<std::string>& parts,
                             std::map<std::string, std::string>& params);
  std::vector<Route> routes_;
};

}  // namespace parley::http
