#pragma once
// Frames about a user's reading and access, and the result of marking read:
// message.read (to a channel's watchers), access.revoked (to a user's or an
// app's connections), and the body of POST .../read (and the WebSocket `read` op).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace parley::protocol {

/// {"read": {"cid", "user_id", "last_read_seq"}, "unread_count"}.
nlohmann::json mark_read_result(const std::string& cid, const std::string& user_id, std::int64_t last_read_seq,
                                int unread_count);

/// The message.read frame: {"type", "cid", "user": {"id"}, "last_read_seq", "created_at"} (ephemeral: no seq).
std::string message_read_event(const std::string& cid, const std::string& user_id, std::int64_t last_read_seq,
                               const std::string& created_at);

/// The access.revoked control frame: {"type", "before_s": unix seconds or null (deactivated or deleted)}.
std::string access_revoked_event(std::optional<std::int64_t> before_s);

}  // namespace parley::protocol
