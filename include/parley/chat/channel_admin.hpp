#pragma once
// Channel administration (API.md section 5, Channels): distinct channels,
// delete (soft, hard), truncate, and the per-member hide / show and mute /
// unmute. Channel-wide changes take the channel's next seq and log their
// event in the same transaction; per-member settings are state, like read
// marks, and take none. Synchronous: each function runs inside a DbPool call.
#include "parley/chat/outcome.hpp"


#include <string>
#include <vector>

namespace parley::chat {

/// The id of the distinct channel of a member set: "!members-" + the first 40 hex digits of
/// SHA-256 over the sorted, de-duplicated ids joined by ",". Pure.
std::string distinct_channel_id(const std::vector<std::string>& members);

/// POST /v1/channels/{type} {"members":[ids],"name"?,"custom"?} (no id): 201 created / 200 existing,
/// the same state as PUT.
Outcome create_distinct_channel(Connection& c, const Caller& caller, const std::string& type,
                                const nlohmann::json& body);
/// DELETE /v1/channels/{type}/{id}?hard= -> {"channel"} with deleted_at (soft: logs channel.deleted).
Outcome delete_channel(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                       bool hard);
/// POST /v1/channels/{type}/{id}/truncate: every message removed; logs channel.truncated.
Outcome truncate_channel(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                         const nlohmann::json& body);
/// POST .../hide (hidden = true) and .../show (false) -> {"membership"}.
Outcome set_channel_hidden(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                           const nlohmann::json& body, bool hidden);
/// POST .../mute (muted = true) and .../unmute (false) -> {"membership"}.
Outcome set_channel_muted(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                          const nlohmann::json& body, bool muted);

}  // namespace parley::chat
