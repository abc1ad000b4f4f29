#include "parley/http/router.hpp"

namespace parley::http {

namespace bhttp = boost::beast::http;

std::vector<std::string> Router::split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string::npos ? path.size() : slash;
    if (end > start) parts.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

void Router::add(bhttp::verb method, const std::string& pattern, obs::RouteClass route_class, Handler handler) {
  routes_.push_back(Route{method, split_path(pattern), route_class, std::move(handler)});
}

bool Router::match_segments(const Route& r, const std::vector<std::string>& parts,
                            std::map<std::string, std::string>& params) {
  if (r.segments.size() != parts.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& seg = r.segments[i];
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      params[seg.substr(1, seg.size() - 2)] = parts[i];
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return true;
}

Router::Match Router::match(bhttp::verb method, const std::string& path) const {
  Match m;
  const auto parts = split_path(path);
  const bool head = method == bhttp::verb::head;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match_segments(r, parts, params)) continue;
    if (r.method == method || (head && r.method == bhttp::verb::get)) {
      m.handler = &r.handler;
      m.route_class = r.route_class;
      m.params = std::move(params);
      return m;
    }
    const auto name = bhttp::to_string(r.method);
    if (m.allow.find(name) == std::string::npos) {
      m.allow += (m.allow.empty() ? "" : ", ") + std::string(name);
    }
  }
  m.error_status = m.allow.empty() ? 404 : 405;
  return m;
}

}  // namespace parley::http
