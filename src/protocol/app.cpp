#include "parley/protocol/app.hpp"

namespace parley::protocol {

nlohmann::json to_json(const App& a) {
  return {{"id", a.id},
          {"name", a.name},
          {"api_key", a.api_key},
          {"revoke_tokens_before", a.revoke_tokens_before ? nlohmann::json(*a.revoke_tokens_before) : nlohmann::json()},
          {"created_at", a.created_at},
          {"updated_at", a.updated_at}};
}

nlohmann::json app_result(const App& a) { return {{"app", to_json(a)}}; }

}  // namespace parley::protocol
