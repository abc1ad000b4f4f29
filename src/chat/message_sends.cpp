#include "parley/chat/message_sends.hpp"

#include "parley/chat/channel_policy.hpp"
#include "parley/chat/channel_types.hpp"
#include "parley/chat/reactions.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/ids.hpp"
#include "parley/protocol/message_events.hpp"
#include "parley/storage/send_batch.hpp"


namespace parley::chat {

using protocol::ApiError;

namespace {

// What the cached channel type says of one send, before PostgreSQL is asked.
struct Prechecked {
  std::shared_ptr<const ChannelTypeConfig> config;
  std::optional<ApiError> switch_error;
};

storage::SendItem to_item(const SendRequest& s, const std::string& cid, const Prechecked& pre) {
  storage::SendItem item;
  item.app_id = s.caller.app_id;
  item.type = s.type;
  item.channel_id = s.id;
  item.caller_user = s.caller.server ? std::string() : s.caller.user_id;
  item.moderator = s.caller.server || s.caller.app_role == "admin";
  // The one policy function decides, for each channel role the sender might turn out to have.
  for (const char* role : {"", "member", "moderator", "owner"}) {
    if (is_allowed(pre.config->policy, CallerRoles{s.caller.server, s.caller.app_role, role}, kSendMessage)) {
      item.allowed_roles.emplace_back(role);
    }
  }
  item.switch_error = pre.switch_error.has_value();
  const auto& m = s.draft;
  item.msg_id = m.id;
  item.user_id = m.user_id;
  item.text = m.text;
  item.attachments = m.attachments;
  item.mentioned_users = m.mentioned_users;
  item.custom = m.custom;
  if (!m.parent_id.empty()) item.parent_id = m.parent_id;
  item.show_in_channel = m.show_in_channel;
  item.silent = m.silent;
  item.content_hash = message_content_hash(m, cid);
  item.notify = !m.silent && pre.config->switches.value("member_notifications", false);
  return item;
}

ApiError refusal(const storage::SendResult& r, const SendRequest& s, const std::string& cid, const Prechecked& pre) {
  using storage::SendCode;
  switch (r.code) {
    case SendCode::no_channel:
      return ApiError::not_found("no channel " + cid);
    case SendCode::forbidden:
      return not_allowed(kSendMessage, cid);
    case SendCode::conflict:
      return ApiError::conflict("message id " + s.draft.id + " was already used with different content");
    case SendCode::frozen:
      return channel_frozen_error();
    case SendCode::cooldown:
      return cooldown_error(r.retry_after_s, r.cooldown_s);
    case SendCode::switch_refused:
      return *pre.switch_error;
    case SendCode::bad_parent:
      return ApiError::invalid_request("parent_id is not a top-level message of this channel");
    default:
      return ApiError{"internal", 500, "internal error"};
  }
}

}  // namespace

std::vector<Outcome> store_sends(storage::Tx& tx, const std::vector<const SendRequest*>& sends,
                                 std::vector<ChannelEvent>& committed) {
  std::vector<Outcome> outcomes(sends.size());
  std::vector<Prechecked> pre(sends.size());
  std::vector<std::string> cids(sends.size());
  std::vector<storage::SendItem> items;
  std::vector<std::size_t> stored;  // index in `sends` of each item
  for (std::size_t i = 0; i < sends.size(); ++i) {
    const auto& s = *sends[i];
    cids[i] = s.type + ":" + s.id;
    pre[i].config = load_channel_type(tx, s.caller.app_id, s.type);
    if (!pre[i].config) {
      outcomes[i] = ApiError::not_found("no channel " + cids[i]);  // no type, so no channel of it
      continue;
    }
    pre[i].switch_error = message_switch_refusal(*pre[i].config, s.type, s.draft.text, !s.draft.parent_id.empty());
    items.push_back(to_item(s, cids[i], pre[i]));
    stored.push_back(i);
  }
  if (items.empty()) return outcomes;
  auto results = storage::store_sends(tx, items);

  std::vector<storage::EventRow> events;  // their payloads are the frames held in `committed`
  for (std::size_t k = 0; k < results.size(); ++k) {
    const std::size_t i = stored[k];
    const auto& s = *sends[i];
    auto& r = results[k];
    if (r.code == storage::SendCode::existing) {
      auto message = to_message(std::move(*r.message), r.cid);
      attach_reactions(tx, s.caller.app_id, s.caller.user_id, message);  // reactions may have come since
      outcomes[i] = Reply{Done::ok, protocol::message_result(message)};
      continue;
    }
    if (r.code != storage::SendCode::ok) {
      outcomes[i] = refusal(r, s, cids[i], pre[i]);
      continue;
    }
    const std::int64_t seq = r.message->seq;
    // Rendered once (for the frame, the notification and the ack); the frame serialized once: stored and sent.
    auto message = protocol::to_json(to_message(std::move(*r.message), cids[i]));
    auto frame = std::make_shared<const std::string>(protocol::message_new_event(cids[i], seq, message));
    events.push_back({r.channel_pk, seq, "message.new", frame.get()});
    committed.push_back({s.caller.app_id, cids[i], seq, std::move(frame)});
    // notification.message_new to the other members through their control keys, one shared buffer.
    if (!r.notify_members.empty() && r.notify_members.size() <= static_cast<std::size_t>(kMaxNotifiedMembers)) {
      const auto notification =
          std::make_shared<const std::string>(protocol::message_new_notification(cids[i], message));
      for (const auto& member : r.notify_members) {
        committed.push_back({s.caller.app_id, user_control_cid(member), 0, notification});
      }
    }
    outcomes[i] = Reply{Done::created, protocol::message_result(std::move(message))};
  }
  storage::insert_events(tx, events);  // on failure the caller drops what this batch added to `committed`
  return outcomes;
}

}  // namespace parley::chat
