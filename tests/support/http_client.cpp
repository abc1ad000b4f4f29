#include "support/http_client.hpp"

namespace parley::test {

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body, const std::map<std::string, std::string>& headers, bool tls,
                          std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  HttpConnection connection(port, tls, timeout);
  const auto left =
      timeout - std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return connection.request(method, target, body, headers, std::max(left, std::chrono::milliseconds(1)));
}

}  // namespace parley::test
