#pragma once
// Validation and limits of a message to send (API.md section 4), and the
// content hash that makes sends idempotent. Pure.
#include "parley/chat/outcome.hpp"

#include <string>
#include <variant>

namespace parley::chat {

inline constexpr std::size_t kMaxTextChars = 5000;
inline constexpr std::size_t kMaxAttachments = 30;
inline constexpr std::size_t kMaxCustomBytes = 5 * 1024;
inline constexpr std::size_t kMaxMentions = 100;

struct MessageDraft {
  std::string id;  // empty: the server picks one
  std::string user_id;
  std::string text;
  nlohmann::json attachments = nlohmann::json::array();
  std::string parent_id;
  bool show_in_channel = false;
  nlohmann::json mentioned_users = nlohmann::json::array();
  bool silent = false;
  nlohmann::json custom = nlohmann::json::object();
};

/// Validates the body of a send; a server token must name the sender in "user_id".
std::variant<MessageDraft, protocol::ApiError> validate_message(const nlohmann::json& body, const Caller& caller);

/// Lowercase hex SHA-256 of `text`.
std::string sha256_hex(const std::string& text);

/// SHA-256 over the canonical JSON of everything a client sent (and the cid):
/// the same id with the same hash is a retry, with another hash a conflict.
std::string message_content_hash(const MessageDraft& m, const std::string& cid);

}  // namespace parley::chat
