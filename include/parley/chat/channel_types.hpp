#pragma once
// Channel types per app (API.md section 5, Channel types): grants per role,
// fed to the one policy function is_allowed(), and switches. The built-ins
// `messaging` and `livestream` exist in every app without a row; a PATCH of a
// built-in stores an app-specific override row. Synchronous: runs inside a
// DbPool call (or the caller's transaction).
#include "parley/chat/channel_policy.hpp"
#include "parley/chat/outcome.hpp"


#include <memory>
#include <optional>
#include <string>

namespace parley::chat {

/// A channel type as it applies in one app.
struct ChannelTypeConfig {
  ChannelTypePolicy policy;
  nlohmann::json switches;  // every switch of API.md with its value
  bool built_in = false;
};

/// The type for this app: its row (custom type or override of a built-in), else the built-in; nullopt if unknown.
/// Served from the node's ChannelTypeCache when it can be.
std::shared_ptr<const ChannelTypeConfig> load_channel_type(storage::Tx& tx, std::int64_t app_id,
                                                           const std::string& name);
/// 404 not_found unless `name` is a channel type of the app (call before creating a channel of it).
std::optional<protocol::ApiError> check_channel_type(storage::Tx& tx, std::int64_t app_id,
                                                     const std::string& name);

/// Switches on a send or an edit: 400 when the text is over max_message_length, or a reply while replies are off.
std::optional<protocol::ApiError> check_message_switches(storage::Tx& tx, std::int64_t app_id,
                                                         const std::string& type, const std::string& text, bool reply);
/// The same against a type already loaded (no query).
std::optional<protocol::ApiError> message_switch_refusal(const ChannelTypeConfig& t, const std::string& type,
                                                         const std::string& text, bool reply);
/// 400 invalid_request (details.switch) when the type has `name` switched off.
std::optional<protocol::ApiError> check_switch_on(storage::Tx& tx, std::int64_t app_id,
                                                  const std::string& type, const char* name);

/// POST /v1/channel_types (server) -> 201 {"channel_type"}
Outcome create_channel_type(Connection& c, const Caller& caller, const nlohmann::json& body);
/// PATCH /v1/channel_types/{name} (server) -> 200 {"channel_type"}
Outcome update_channel_type(Connection& c, const Caller& caller, const std::string& name,
                            const nlohmann::json& body);
/// GET /v1/channel_types/{name}
Outcome get_channel_type(Connection& c, const Caller& caller, const std::string& name);
/// GET /v1/channel_types -> {"channel_types": {name: type}}
Outcome list_channel_types(Connection& c, const Caller& caller);

}  // namespace parley::chat
