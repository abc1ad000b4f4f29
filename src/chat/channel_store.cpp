#include "parley/chat/channel_store.hpp"

#include "parley/auth/random.hpp"
#include "parley/chat/channel_event.hpp"
#include "parley/chat/channel_list.hpp"
#include "parley/chat/channel_policy.hpp"
#include "parley/chat/channel_types.hpp"
#include "parley/chat/reactions.hpp"
#include "parley/chat/message_rules.hpp"
#include "parley/chat/notifications.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/channel_events.hpp"
#include "parley/protocol/ids.hpp"
#include "parley/storage/channel_repository.hpp"
#include "parley/storage/history_repository.hpp"
#include "parley/storage/member_repository.hpp"

#include <charconv>

namespace parley::chat {
namespace {

using protocol::ApiError;

// The channel's state; its messages without reactions (attach_reactions fills them).
protocol::ChannelState channel_state(storage::Tx& tx, const ChannelRow& ch) {
  const auto cid = ch.cid();
  const auto rows = storage::read_channel_state_rows(tx, ch.pk);
  protocol::ChannelState state;
  state.channel = ch.json();
  for (const auto& m : rows.members) state.members.push_back(to_member(m));
  for (const auto& m : rows.messages) state.messages.push_back(message_json(m, cid));
  return state;
}

}  // namespace

Outcome create_or_get_channel(Connection& c, const Caller& caller, const std::string& type,
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
  storage::Tx tx(c);
  if (auto e = check_channel_type(tx, caller.app_id, type)) return *e;
  const auto fresh = new_channel(caller, type, id, body);
  const auto inserted = storage::insert_channel(tx, fresh);
  const bool created = inserted.has_value();
  Changes changes(caller.app_id);
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::conflict("channel " + type + ":" + id + " was deleted; its id stays taken until a server purges it (DELETE ?hard=true)");
  if (created) {
    std::vector<nlohmann::json> added;
    const auto created_at = ch->channel.created_at;
    for (const auto& m : members) {
      const std::string role = !caller.server && m == caller.user_id ? "owner" : "member";
      if (!storage::insert_member(tx, ch->pk, caller.app_id, m, role)) continue;  // listed twice
      added.push_back(protocol::to_json(protocol::Member{m, role, 0, created_at}));
    }
    notify_added_to_channel(changes, ch->json(), added, caller.user_id);  // the creator is not notified
  } else if (auto denied = authorize(tx, caller, type, *ch, kReadChannel)) {
    return *denied;
  }
  auto state = channel_state(tx, *ch);
  attach_reactions(tx, caller.app_id, caller.user_id, state.messages);
  tx.commit();
  return committed(changes, created ? Done::created : Done::ok, protocol::to_json(std::move(state)));
}

Outcome get_channel(Connection& c, const Caller& caller, const std::string& type, const std::string& id) {
  if (auto e = check_channel_name(type, id)) return *e;
  storage::Tx tx(c, storage::TxKind::read);
  return read_channel_state(tx, caller, type, id);
}

Outcome read_channel_state(storage::Tx& tx, const Caller& caller, const std::string& type,
                           const std::string& id) {
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::not_found("no channel " + type + ":" + id);
  if (auto denied = authorize(tx, caller, type, *ch, kReadChannel)) return *denied;
  auto state = channel_state(tx, *ch);
  attach_reactions(tx, caller.app_id, caller.user_id, state.messages);
  return Reply{Done::ok, protocol::to_json(std::move(state))};
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

Outcome list_messages(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                      const std::map<std::string, std::string>& query) {
  if (auto e = check_channel_name(type, id)) return *e;
  SeqPage bounds;
  if (auto bad = parse_seq_page(query, bounds)) return *bad;
  // One statement (its own snapshot): the channel, the reader's role, the page with its reactions.
  storage::Tx tx(c, storage::TxKind::autocommit);
  const auto page = storage::read_history(
      tx, {caller.app_id, type, id, caller.user_id, bounds.before_seq, bounds.after_seq, bounds.limit});
  if (!page) return ApiError::not_found("no channel " + type + ":" + id);
  const auto channel_type = load_channel_type(tx, caller.app_id, type);
  if (!channel_type) return ApiError::not_found("no channel type " + type);
  const std::string cid = type + ":" + id;
  if (!is_allowed(channel_type->policy, {caller.server, caller.app_role, page->reader_role}, kReadChannel)) {
    return not_allowed(kReadChannel, cid);
  }
  // Rendered straight to text: no JSON tree for what can be hundreds of messages.
  std::vector<protocol::Message> messages;
  messages.reserve(page->messages.size());
  for (auto& m : page->messages) {
    auto& message = messages.emplace_back(to_message(std::move(m.row), cid));
    message.reaction_counts_json = std::move(m.reaction_counts_json);
    message.own_reactions_json = std::move(m.own_reactions_json);
  }
  Reply reply;
  reply.text = protocol::history_page(messages, page->has_more);
  return reply;
}

}  // namespace parley::chat
