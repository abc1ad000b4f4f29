#pragma once
// The app object of the API (GET / PATCH /v1/app). Never carries the api_secret.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace parley::protocol {

/// An app's settings as the API shows them to its server.
struct App {
  std::string id;  // the public id
  std::string name;
  std::string api_key;
  std::optional<std::string> revoke_tokens_before;
  std::string created_at, updated_at;
};

/// The app object: {id, name, api_key, revoke_tokens_before, created_at, updated_at}.
nlohmann::json to_json(const App& a);
/// {"app": app} (GET and PATCH /v1/app).
nlohmann::json app_result(const App& a);

}  // namespace parley::protocol
