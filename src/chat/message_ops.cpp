#include "parley/chat/message_ops.hpp"

#include "parley/chat/channel_types.hpp"
#include "parley/chat/message_rules.hpp"
#include "parley/chat/reactions.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/ids.hpp"
#include "parley/protocol/message_events.hpp"
#include "parley/storage/message_repository.hpp"

namespace parley::chat {

using protocol::ApiError;

namespace {

struct FoundMessage {
  ChannelRow channel;
  std::string type, channel_id, cid;
  protocol::Message message;
};

// The message and its channel (locked FOR UPDATE when about to change it).
std::variant<FoundMessage, ApiError> find_message(storage::Tx& tx, const Caller& caller,
                                                  const std::string& id, bool for_update) {
  if (!protocol::is_valid_message_id(id)) return ApiError::invalid_request("invalid message id");
  const auto where = storage::find_message_channel(tx, caller.app_id, id);
  if (!where) return ApiError::not_found("no message " + id);
  FoundMessage f;
  f.type = where->type;
  f.channel_id = where->id;
  f.cid = f.type + ":" + f.channel_id;
  auto ch = find_channel(tx, caller.app_id, f.type, f.channel_id, for_update);
  if (!ch) return ApiError::not_found("no message " + id);
  f.channel = std::move(*ch);
  // Re-read after the lock: a concurrent change may have committed in between.
  const auto row = storage::find_message_row(tx, caller.app_id, id);
  if (!row) return ApiError::not_found("no message " + id);
  f.message = to_message(*row, f.cid);
  return f;
}

// Own-message action or any-message action, through the one policy function.
std::optional<ApiError> authorize_on_message(storage::Tx& tx, const Caller& caller, const FoundMessage& f,
                                             const char* own_action, const char* any_action) {
  const bool own = !caller.server && caller.user_id == f.message.user_id;
  return authorize(tx, caller, f.type, f.channel, own ? own_action : any_action);
}

// True when every field of `set` already has that value in `current` (a PATCH that changes nothing).
bool same_values(const nlohmann::json& set, const nlohmann::json& current) {
  for (auto it = set.begin(); it != set.end(); ++it) {
    if (!current.contains(it.key()) || current[it.key()] != it.value()) return false;
  }
  return true;
}

// True when every field of `set` (text, custom, pinned) already has that value in the message.
bool same_message_values(const nlohmann::json& set, const protocol::Message& m) {
  if (set.contains("text") && set["text"] != m.text) return false;
  if (set.contains("custom") && set["custom"] != nlohmann::json::parse(m.custom_json)) return false;
  return !set.contains("pinned") || set["pinned"] == m.pinned;
}

}  // namespace

Outcome get_message(Connection& c, const Caller& caller, const std::string& id) {
  storage::Tx tx(c, storage::TxKind::read);
  auto found = find_message(tx, caller, id, false);
  if (auto* err = std::get_if<ApiError>(&found)) return *err;
  auto& f = std::get<FoundMessage>(found);
  if (auto denied = authorize(tx, caller, f.type, f.channel, "read_channel")) return *denied;
  attach_reactions(tx, caller.app_id, caller.user_id, f.message);
  return Reply{Done::ok, protocol::message_result(f.message)};
}

Outcome update_message(Connection& c, const Caller& caller, const std::string& id, const nlohmann::json& body) {
  if (!body.contains("set") || !body["set"].is_object() || body["set"].empty()) {
    return ApiError::invalid_request("set must be an object with text, custom and/or pinned");
  }
  const auto& set = body["set"];
  for (auto it = set.begin(); it != set.end(); ++it) {
    if (it.key() != "text" && it.key() != "custom" && it.key() != "pinned") {
      return ApiError::invalid_request("cannot set " + it.key().substr(0, 64) + " on a message");
    }
  }
  if (set.contains("text") && (!set["text"].is_string() || protocol::utf8_length(set["text"].get<std::string>()) > kMaxTextChars)) {
    return ApiError::invalid_request("text must be a string of at most 5000 characters",
                                     {{"limit", "message_text"}, {"max", kMaxTextChars}});
  }
  if (set.contains("custom") && (!set["custom"].is_object() || set["custom"].dump().size() > kMaxCustomBytes)) {
    return ApiError::invalid_request("custom must be an object of at most 5 KiB", {{"limit", "custom"}, {"max", kMaxCustomBytes}});
  }
  if (set.contains("pinned") && !set["pinned"].is_boolean()) return ApiError::invalid_request("pinned must be a boolean");

  storage::Tx tx(c);
  auto found = find_message(tx, caller, id, true);
  if (auto* err = std::get_if<ApiError>(&found)) return *err;
  auto& f = std::get<FoundMessage>(found);
  if (set.contains("text") || set.contains("custom")) {
    if (auto denied = authorize_on_message(tx, caller, f, "update_own_message", "update_any_message")) return *denied;
    if (auto refused = check_frozen_and_cooldown(tx, caller, f.channel); refused && refused->code == "channel_frozen") {
      return *refused;
    }
  }
  if (set.contains("pinned")) {
    if (auto denied = authorize(tx, caller, f.type, f.channel, "pin_message")) return *denied;
  }
  if (f.message.deleted_at) return ApiError::invalid_request("a deleted message cannot be edited");
  if (same_message_values(set, f.message)) {
    // Nothing changes: no seq, no event, updated_at kept; the message as it is.
    attach_reactions(tx, caller.app_id, caller.user_id, f.message);
    tx.commit();
    return Reply{Done::ok, protocol::message_result(f.message)};
  }
  if (set.contains("text")) {
    if (auto refused = check_message_switches(tx, caller.app_id, f.type, set["text"].get<std::string>(), false)) {
      return *refused;
    }
  }
  if (set.contains("text") && set["text"].get_ref<const std::string&>().empty() &&
      nlohmann::json::parse(f.message.attachments_json).empty()) {
    return ApiError::invalid_request("a message needs text or attachments");
  }
  storage::MessageEdit edit;  // updated_at is set to now() in any case
  if (set.contains("text")) edit.text = set["text"].get<std::string>();
  if (set.contains("custom")) edit.custom_json = set["custom"].dump();
  if (set.contains("pinned")) edit.pinned = set["pinned"].get<bool>();
  auto updated = to_message(storage::edit_message(tx, caller.app_id, id, edit), f.cid);
  attach_reactions(tx, caller.app_id, "", updated);  // the event carries the counts, not anyone's own reactions
  Changes changes(caller.app_id);
  const auto seq = next_seq(tx, f.channel.pk);
  append_event(tx, changes, f.channel.pk, seq, "message.updated", protocol::message_updated_event(f.cid, seq, updated));
  attach_reactions(tx, caller.app_id, caller.user_id, updated);
  tx.commit();
  return committed(changes, Done::ok, protocol::message_result(updated));
}

Outcome delete_message(Connection& c, const Caller& caller, const std::string& id, bool hard) {
  storage::Tx tx(c);
  auto found = find_message(tx, caller, id, true);
  if (auto* err = std::get_if<ApiError>(&found)) return *err;
  auto& f = std::get<FoundMessage>(found);
  if (auto denied = authorize_on_message(tx, caller, f, "delete_own_message", "delete_any_message")) return *denied;
  if (!hard && f.message.deleted_at) return Reply{Done::ok, protocol::message_result(f.message)};  // already deleted
  Changes changes(caller.app_id);
  const auto message = remove_message(tx, changes, caller.app_id, f.channel.pk, f.cid, f.message, hard);
  tx.commit();
  return committed(changes, Done::ok, protocol::message_result(message));
}

protocol::Message remove_message(storage::Tx& tx, Changes& changes, std::int64_t app_id, std::int64_t channel_pk,
                                 const std::string& cid, const protocol::Message& stored, bool hard) {
  const auto& id = stored.id;
  protocol::Message message;
  if (stored.parent_id && !stored.deleted_at) {
    // reply_count counts the replies that are not deleted.
    storage::decrement_reply_count(tx, app_id, *stored.parent_id);
  }
  if (hard) {
    storage::hard_delete_message(tx, app_id, id);
    message = stored;
    message.type = "deleted";
    message.text.clear();
    message.attachments_json = "[]";
    message.custom_json = "{}";
    message.deleted_at = now_ts(tx);
    message.updated_at = *message.deleted_at;
  } else {
    message = to_message(storage::soft_delete_message(tx, app_id, id), cid);
  }
  // Deleted content must not stay readable through the event log either.
  storage::scrub_message_events(tx, channel_pk, id);
  const auto seq = next_seq(tx, channel_pk);
  append_event(tx, changes, channel_pk, seq, "message.deleted", protocol::message_deleted_event(cid, seq, message, hard));
  return message;
}

Outcome update_channel(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                       const nlohmann::json& body) {
  if (auto e = check_channel_name(type, id)) return *e;
  if (!body.contains("set") || !body["set"].is_object() || body["set"].empty()) {
    return ApiError::invalid_request("set must be an object with name, custom, frozen and/or cooldown_s");
  }
  const auto& set = body["set"];
  for (auto it = set.begin(); it != set.end(); ++it) {
    const auto& k = it.key();
    if (k != "name" && k != "custom" && k != "frozen" && k != "cooldown_s") {
      return ApiError::invalid_request("cannot set " + k.substr(0, 64) + " on a channel");
    }
  }
  if (auto e = check_name_and_custom(set)) return *e;
  if (set.contains("frozen") && !set["frozen"].is_boolean()) return ApiError::invalid_request("frozen must be a boolean");
  if (set.contains("cooldown_s") && (!set["cooldown_s"].is_number_integer() || set["cooldown_s"].get<std::int64_t>() < 0 ||
                                     set["cooldown_s"].get<std::int64_t>() > 86400)) {
    return ApiError::invalid_request("cooldown_s must be from 0 to 86400");
  }
  storage::Tx tx(c);
  const auto record = storage::find_channel_record(tx, caller.app_id, type, id, true);
  if (!record) return ApiError::not_found("no channel " + type + ":" + id);
  const auto ch = channel_row(*record);
  if (auto denied = authorize(tx, caller, type, ch, "update_channel")) return *denied;
  if (same_values(set, ch.json())) {
    tx.commit();  // nothing changes: no seq, no event, updated_at kept
    return Reply{Done::ok, protocol::channel_result(to_channel(*record))};
  }
  storage::ChannelSettings settings;  // updated_at is set to now() in any case
  if (set.contains("name")) settings.name = set["name"].get<std::string>();
  if (set.contains("custom")) settings.custom_json = set["custom"].dump();
  if (set.contains("frozen")) settings.frozen = set["frozen"].get<bool>();
  if (set.contains("cooldown_s")) settings.cooldown_s = set["cooldown_s"].get<int>();
  storage::update_channel_settings(tx, ch.pk, settings);
  const auto seq = next_seq(tx, ch.pk);
  const auto updated = to_channel(*storage::find_channel_record(tx, caller.app_id, type, id, false));
  Changes changes(caller.app_id);
  append_event(tx, changes, ch.pk, seq, "channel.updated", protocol::channel_updated_event(updated, seq));
  tx.commit();
  return committed(changes, Done::ok, protocol::channel_result(updated));
}

}  // namespace parley::chat
