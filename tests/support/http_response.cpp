#include "support/http_response.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace parley::test {
namespace {

std::string lowercase(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

}  // namespace

nlohmann::json HttpResponse::json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& error) {
    throw std::runtime_error("HTTP " + std::to_string(status) + " body is not JSON (" + error.what() +
                             "): " + body.substr(0, 2000));
  }
}

std::string HttpResponse::header(std::string_view name) const {
  const auto found = headers.find(lowercase(name));
  return found == headers.end() ? std::string() : found->second;
}

bool HttpResponse::has_header(std::string_view name) const { return headers.find(lowercase(name)) != headers.end(); }

HttpResponse to_http_response(const boost::beast::http::response<boost::beast::http::string_body>& response) {
  HttpResponse result;
  result.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    auto [it, inserted] = result.headers.emplace(lowercase(field.name_string()), std::string(field.value()));
    if (!inserted) {
      it->second += ", ";
      it->second += field.value();
    }
  }
  result.body = response.body();
  return result;
}

void PrintTo(const HttpResponse& response, std::ostream* out) {
  *out << "HTTP " << response.status;
  for (const auto& [name, value] : response.headers) {
    *out << "\n  " << name << ": " << value;
  }
  *out << "\n  body: " << response.body.substr(0, 2000);
}

}  // namespace parley::test
