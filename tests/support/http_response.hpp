#pragma once
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>

namespace parley::test {

/// An HTTP response as a test sees it. Header names are lowercase; repeated
/// headers are joined with ", ".
struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;

  /// The body parsed as JSON; throws (quoting the body) if it is not JSON.
  nlohmann::json json() const;
  /// The header's value (name in any case), or "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

/// The test's view of a response read with Beast.
HttpResponse to_http_response(const boost::beast::http::response<boost::beast::http::string_body>& response);

/// Lets GoogleTest print a response in a failed assertion.
void PrintTo(const HttpResponse& response, std::ostream* out);

}  // namespace parley::test
