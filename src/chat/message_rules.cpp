#include "parley/chat/message_rules.hpp"

#include "parley/protocol/ids.hpp"

#include <openssl/evp.h>

namespace parley::chat {

using protocol::ApiError;

std::variant<MessageDraft, ApiError> validate_message(const nlohmann::json& body, const Caller& caller) {
  MessageDraft m;
  if (body.contains("id") && !body["id"].is_null()) {
    if (!body["id"].is_string() || !protocol::is_valid_message_id(body["id"].get_ref<const std::string&>())) {
      return ApiError::invalid_request("id must match ^[A-Za-z0-9_\\-]{1,64}$");
    }
    m.id = body["id"].get<std::string>();
  }
  if (caller.server) {
    if (!body.contains("user_id") || !body["user_id"].is_string() ||
        !protocol::is_valid_user_id(body["user_id"].get_ref<const std::string&>())) {
      return ApiError::invalid_request("a server token must name the sender in user_id");
    }
    m.user_id = body["user_id"].get<std::string>();
  } else {
    m.user_id = caller.user_id;
  }
  if (body.contains("text") && !body["text"].is_null()) {
    if (!body["text"].is_string()) return ApiError::invalid_request("text must be a string");
    m.text = body["text"].get<std::string>();
  }
  if (protocol::utf8_length(m.text) > kMaxTextChars) {
    return ApiError::invalid_request("text is longer than 5000 characters",
                                     {{"limit", "message_text"}, {"max", kMaxTextChars}});
  }
  if (body.contains("attachments") && !body["attachments"].is_null()) {
    if (!body["attachments"].is_array()) return ApiError::invalid_request("attachments must be an array");
    if (body["attachments"].size() > kMaxAttachments) {
      return ApiError::invalid_request("more than 30 attachments", {{"limit", "attachments"}, {"max", kMaxAttachments}});
    }
    for (const auto& a : body["attachments"]) {
      if (!a.is_object()) return ApiError::invalid_request("every attachment must be an object");
    }
    m.attachments = body["attachments"];
  }
  if (m.text.empty() && m.attachments.empty()) return ApiError::invalid_request("a message needs text or attachments");
  if (body.contains("parent_id") && !body["parent_id"].is_null()) {
    if (!body["parent_id"].is_string() || !protocol::is_valid_message_id(body["parent_id"].get_ref<const std::string&>())) {
      return ApiError::invalid_request("parent_id must be a message id");
    }
    m.parent_id = body["parent_id"].get<std::string>();
  }
  for (const char* flag : {"show_in_channel", "silent"}) {
    if (body.contains(flag) && !body[flag].is_null() && !body[flag].is_boolean()) {
      return ApiError::invalid_request(std::string(flag) + " must be a boolean");
    }
  }
  m.show_in_channel = body.value("show_in_channel", false) && !m.parent_id.empty();
  m.silent = body.value("silent", false);
  if (body.contains("mentioned_users") && !body["mentioned_users"].is_null()) {
    const auto& mu = body["mentioned_users"];
    if (!mu.is_array() || mu.size() > kMaxMentions) {
      return ApiError::invalid_request("mentioned_users must be an array of at most 100 user ids");
    }
    for (const auto& u : mu) {
      if (!u.is_string() || !protocol::is_valid_user_id(u.get_ref<const std::string&>())) {
        return ApiError::invalid_request("mentioned_users must hold user ids");
      }
    }
    m.mentioned_users = mu;
  }
  if (body.contains("custom") && !body["custom"].is_null()) {
    if (!body["custom"].is_object()) return ApiError::invalid_request("custom must be an object");
    if (body["custom"].dump().size() > kMaxCustomBytes) {
      return ApiError::invalid_request("custom is larger than 5 KiB", {{"limit", "custom"}, {"max", kMaxCustomBytes}});
    }
    m.custom = body["custom"];
  }
  return m;
}

std::string message_content_hash(const MessageDraft& m, const std::string& cid) {
  // nlohmann::json objects keep keys sorted, so dump() is canonical.
  const nlohmann::json canonical = {{"cid", cid},           {"user_id", m.user_id},
                                    {"text", m.text},       {"attachments", m.attachments},
                                    {"parent_id", m.parent_id}, {"show_in_channel", m.show_in_channel},
                                    {"mentioned_users", m.mentioned_users}, {"silent", m.silent},
                                    {"custom", m.custom}};
  return sha256_hex(canonical.dump());
}

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

}  // namespace parley::chat
