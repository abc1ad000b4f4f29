#include "parley/chat/channel_store.hpp"

#include "parley/auth/random.hpp"
#include "parley/chat/channel_event.hpp"
#include "parley/chat/channel_policy.hpp"
#include "parley/chat/channel_types.hpp"
#include "parley/chat/reactions.hpp"
#include "parley/chat/message_rules.hpp"
#include "parley/chat/notifications.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/ids.hpp"

#include <pqxx/pqxx>

#include <charconv>

namespace parley::chat {
namespace {

using protocol::ApiError;
constexpr int kStateMessages = 25;

nlohmann::json channel_state(pqxx::transaction_base& tx, const ChannelRow& ch) {
  const auto cid = ch.json["cid"].get<std::string>();
  nlohmann::json members = nlohmann::json::array();
  nlohmann::json read = nlohmann::json::array();
  for (const auto& r : tx.exec("SELECT user_id, role, read_seq, " + ts("created_at") +
                               " FROM members WHERE channel_pk = " + std::to_string(ch.pk) +
                               " ORDER BY created_at, user_id LIMIT 100")) {
    members.push_back({{"user_id", r[0].c_str()}, {"role", r[1].c_str()}, {"created_at", r[3].c_str()}});
    read.push_back({{"user_id", r[0].c_str()}, {"last_read_seq", r[2].as<std::int64_t>()}});
  }
  nlohmann::json messages = nlohmann::json::array();
  const auto rows = tx.exec("SELECT * FROM (SELECT " + kMessageColumns + " FROM messages m WHERE m.channel_pk = " +
                            std::to_string(ch.pk) + " AND (m.parent_id IS NULL OR m.show_in_channel)" +
                            " ORDER BY m.seq DESC LIMIT " + std::to_string(kStateMessages) + ") last ORDER BY seq");
  for (const auto& r : rows) messages.push_back(read_message(r, cid));
  return {{"channel", ch.json}, {"members", members}, {"messages", messages}, {"read", read}};
}

// notification.message_new to the other members (types with member_notifications; not silent messages,
// not muted members): through each member's control key, so every connection of theirs gets it, and
// connections that watch the channel drop it (they have message.new). One buffer for all members.
void notify_members(pqxx::transaction_base& tx, std::int64_t app_id, std::int64_t channel_pk, const std::string& type,
                    const nlohmann::json& message) {
  auto* capture = EventCapture::current();
  if (capture == nullptr || message["silent"].get<bool>()) return;
  const auto config = load_channel_type(tx, app_id, type);
  if (!config || !config->switches.value("member_notifications", false)) return;
  const auto members = tx.exec("SELECT user_id FROM members WHERE channel_pk = " + std::to_string(channel_pk) +
                               " AND NOT muted AND user_id <> " + tx.quote(message["user"]["id"].get<std::string>()) +
                               " LIMIT " + std::to_string(kMaxNotifiedMembers + 1));
  if (members.empty() || members.size() > static_cast<std::size_t>(kMaxNotifiedMembers)) return;
  const auto frame = std::make_shared<const std::string>(
      nlohmann::json{{"type", "notification.message_new"},
                     {"cid", message["cid"]},
                     {"message", message},
                     {"created_at", message["created_at"]}}
          .dump());
  for (const auto& m : members) capture->record(user_control_cid(m[0].c_str()), 0, frame);
}

}  // namespace

Outcome create_or_get_channel(pqxx::connection& c, const Caller& caller, const std::string& type,
                              const std::string& id, const nlohmann::json& body) {
  if (auto e = check_channel_name(type, id)) return *e;
  std::vector<std::string> members;
  if (body.contains("members")) {
    if (!body["members"].is_array() || body["members"].size() > 100) {
      return ApiError::invalid_request("members must be an array of at most 100 user ids");
    }
    for (const auto& m : body["members"]) {
      if (!m.is_string() || !protocol::is_valid_user_id(m.get_ref<const std::string&>())) {
        return ApiError::invalid_request("members must be valid user ids");
      }
      members.push_back(m.get<std::string>());
    }
  }
  if (auto e = check_name_and_custom(body)) return *e;
  if (!caller.server) {
    if (std::find(members.begin(), members.end(), caller.user_id) == members.end()) members.push_back(caller.user_id);
  }
  pqxx::work tx(c);
  if (auto e = check_channel_type(tx, caller.app_id, type)) return *e;
  const std::string app = std::to_string(caller.app_id);
  const auto inserted = tx.exec(
      "INSERT INTO channels (app_id, type, id, name, custom, created_by) VALUES (" + app + ", " + tx.quote(type) + ", " +
      tx.quote(id) + ", " + (body.contains("name") ? tx.quote(body["name"].get<std::string>()) : "NULL") + ", " +
      (body.contains("custom") ? tx.quote(body["custom"].dump()) : "'{}'") + "::jsonb, " +
      (caller.server ? "NULL" : tx.quote(caller.user_id)) + ") ON CONFLICT (app_id, type, id) DO NOTHING RETURNING pk");
  const bool created = !inserted.empty();
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::conflict("channel " + type + ":" + id + " was deleted; its id stays taken until a server purges it (DELETE ?hard=true)");
  if (created) {
    std::vector<nlohmann::json> added;
    for (const auto& m : members) {
      const bool owner = !caller.server && m == caller.user_id;
      const auto rows = tx.exec("INSERT INTO members (channel_pk, app_id, user_id, role) VALUES (" +
                                std::to_string(ch->pk) + ", " + app + ", " + tx.quote(m) + ", " +
                                (owner ? "'owner'" : "'member'") + ") ON CONFLICT DO NOTHING RETURNING user_id");
      if (rows.empty()) continue;  // listed twice
      added.push_back({{"user_id", m}, {"role", owner ? "owner" : "member"}, {"last_read_seq", 0},
                       {"created_at", ch->json["created_at"]}});
    }
    notify_added_to_channel(ch->json, added, caller.user_id);  // the creator is not notified
  } else if (auto denied = authorize(tx, caller, type, *ch, kReadChannel)) {
    return *denied;
  }
  auto state = channel_state(tx, *ch);
  attach_reactions(tx, caller.app_id, caller.user_id, state["messages"]);
  tx.commit();
  return Reply{created ? 201 : 200, std::move(state)};
}

Outcome get_channel(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id) {
  if (auto e = check_channel_name(type, id)) return *e;
  pqxx::read_transaction tx(c);
  return read_channel_state(tx, caller, type, id);
}

Outcome read_channel_state(pqxx::transaction_base& tx, const Caller& caller, const std::string& type,
                           const std::string& id) {
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::not_found("no channel " + type + ":" + id);
  if (auto denied = authorize(tx, caller, type, *ch, kReadChannel)) return *denied;
  auto state = channel_state(tx, *ch);
  attach_reactions(tx, caller.app_id, caller.user_id, state["messages"]);
  return Reply{200, std::move(state)};
}

std::variant<MessageDraft, ApiError> prepare_send(const Caller& caller, const std::string& type, const std::string& id,
                                                  const nlohmann::json& body) {
  if (auto e = check_channel_name(type, id)) return *e;
  auto draft = validate_message(body, caller);
  if (auto* err = std::get_if<ApiError>(&draft)) return *err;
  auto& msg = std::get<MessageDraft>(draft);
  if (msg.id.empty()) msg.id = auth::random_hex(16);
  return draft;
}

Outcome store_send(pqxx::transaction_base& tx, const Caller& caller, const std::string& type, const std::string& id,
                   const MessageDraft& msg) {
  const std::string cid = type + ":" + id;
  const std::string app = std::to_string(caller.app_id);
  // Lock the channel row first: concurrent sends (and duplicates) of this channel queue here.
  auto ch = find_channel(tx, caller.app_id, type, id, true);
  if (!ch) return ApiError::not_found("no channel " + cid);
  if (auto denied = authorize(tx, caller, type, *ch, kSendMessage)) return *denied;

  const std::string hash = message_content_hash(msg, cid);
  const auto existing = tx.exec("SELECT " + kMessageColumns + ", c.type || ':' || c.id FROM messages m JOIN channels c ON c.pk = m.channel_pk WHERE m.app_id = " + app +
                                " AND m.id = " + tx.quote(msg.id));
  if (!existing.empty()) {
    if (existing[0][15].c_str() != hash) {
      return ApiError::conflict("message id " + msg.id + " was already used with different content");
    }
    auto message = read_message(existing[0], existing[0][17].c_str());
    attach_reactions(tx, caller.app_id, caller.user_id, message);  // reactions may have come since the first send
    return Reply{200, {{"message", std::move(message)}}};
  }
  // A retry of a stored message is answered above even if the channel was frozen since.
  if (auto refused = check_frozen_and_cooldown(tx, caller, *ch)) return *refused;
  if (auto refused = check_message_switches(tx, caller.app_id, type, msg.text, !msg.parent_id.empty())) return *refused;
  if (!msg.parent_id.empty()) {
    const auto parent = tx.exec("UPDATE messages SET reply_count = reply_count + 1 WHERE app_id = " + app +
                                " AND id = " + tx.quote(msg.parent_id) + " AND channel_pk = " + std::to_string(ch->pk) +
                                " AND parent_id IS NULL RETURNING id");
    if (parent.empty()) return ApiError::invalid_request("parent_id is not a top-level message of this channel");
  }
  const std::int64_t seq = next_seq(tx, ch->pk);
  const auto rows = tx.exec(
      "INSERT INTO messages AS m (app_id, id, channel_pk, seq, type, user_id, text, attachments, parent_id, "
      "show_in_channel, mentioned_users, silent, custom, content_hash) VALUES (" +
      app + ", " + tx.quote(msg.id) + ", " + std::to_string(ch->pk) + ", " + std::to_string(seq) + ", " +
      (msg.parent_id.empty() ? "'regular'" : "'reply'") + ", " + tx.quote(msg.user_id) + ", " + tx.quote(msg.text) +
      ", " + tx.quote(msg.attachments.dump()) + "::jsonb, " + (msg.parent_id.empty() ? "NULL" : tx.quote(msg.parent_id)) +
      ", " + (msg.show_in_channel ? "true" : "false") + ", " + tx.quote(msg.mentioned_users.dump()) + "::jsonb, " +
      (msg.silent ? "true" : "false") + ", " + tx.quote(msg.custom.dump()) + "::jsonb, " + tx.quote(hash) +
      ") ON CONFLICT (app_id, id) DO NOTHING RETURNING " + kMessageColumns);
  if (rows.empty()) {
    // The id exists in another channel (committed after our check): never a second copy.
    return ApiError::conflict("message id " + msg.id + " was already used with different content");
  }
  auto message = read_message(rows[0], cid);
  tx.exec("UPDATE channels SET last_message_at = now(), updated_at = now() WHERE pk = " + std::to_string(ch->pk));
  append_event(tx, ch->pk, seq, "message.new",
               {{"type", "message.new"}, {"cid", cid}, {"seq", seq}, {"message", message},
                {"created_at", message["created_at"]}});
  notify_members(tx, caller.app_id, ch->pk, type, message);
  return Reply{201, {{"message", message}}};
}

Outcome send_message(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id,
                     const nlohmann::json& body) {
  auto draft = prepare_send(caller, type, id, body);
  if (auto* err = std::get_if<ApiError>(&draft)) return *err;
  pqxx::work tx(c);
  auto outcome = store_send(tx, caller, type, id, std::get<MessageDraft>(draft));
  // An error leaves the transaction uncommitted: a seq or reply_count taken on the way is rolled back.
  if (std::holds_alternative<Reply>(outcome)) tx.commit();
  return outcome;
}


Outcome list_messages(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id,
                      const std::map<std::string, std::string>& query) {
  if (auto e = check_channel_name(type, id)) return *e;
  SeqPage bounds;
  if (auto bad = parse_seq_page(query, bounds)) return *bad;
  pqxx::read_transaction tx(c);
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::not_found("no channel " + type + ":" + id);
  if (auto denied = authorize(tx, caller, type, *ch, kReadChannel)) return *denied;
  const std::string where =
      "m.channel_pk = " + std::to_string(ch->pk) + " AND (m.parent_id IS NULL OR m.show_in_channel)";
  auto page = message_page(tx, where, type + ":" + id, bounds);
  attach_reactions(tx, caller.app_id, caller.user_id, page["messages"]);
  return Reply{200, std::move(page)};
}

}  // namespace parley::chat
