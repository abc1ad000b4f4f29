#include "parley/chat/read_state.hpp"

#include "parley/chat/channel_event.hpp"
#include "parley/protocol/timestamp.hpp"
#include "parley/protocol/user.hpp"
#include "parley/protocol/user_events.hpp"

#include "parley/chat/channel_types.hpp"
#include "parley/chat/notifications.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/storage/me_repository.hpp"
#include "parley/storage/read_state_repository.hpp"

namespace parley::chat {

using protocol::ApiError;

Outcome mark_read(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                  const nlohmann::json& body) {
  if (auto e = check_channel_name(type, id)) return *e;
  if (caller.server) return ApiError::invalid_request("read marks belong to users; use a user token");
  std::optional<std::int64_t> seq;
  if (body.contains("seq") && !body["seq"].is_null()) {
    if (!body["seq"].is_number_integer() || body["seq"].get<std::int64_t>() < 0) {
      return ApiError::invalid_request("seq must be a non-negative integer");
    }
    seq = body["seq"].get<std::int64_t>();
  }
  storage::Tx tx(c);
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::not_found("no channel " + type + ":" + id);
  if (member_role(tx, ch->pk, caller.user_id).empty()) return ApiError::forbidden("only members have read marks");
  const auto last = ch->channel.last_seq;
  const std::int64_t mark = seq ? std::min(*seq, last) : last;
  // A read mark never moves backwards (an old device must not resurrect unread messages).
  const auto row = storage::advance_read_mark(tx, ch->pk, caller.user_id, mark);
  const std::string cid = type + ":" + id;
  const std::int64_t read_seq = row.read_seq;
  // The read_events switch off: the mark is stored, but nobody is told (no message.read, no notification).
  const auto config = load_channel_type(tx, caller.app_id, type);
  const bool read_events = config && config->switches.value("read_events", true);
  const bool notify = read_events && config->switches.value("member_notifications", false);
  const auto totals = notify ? storage::read_unread_totals(tx, caller.app_id, caller.user_id) : UnreadTotals{};
  tx.commit();
  Changes changes(caller.app_id);
  // message.read to the channel's watchers: ephemeral (no seq, not in the event log).
  if (read_events) {
    changes.record(cid, 0, protocol::message_read_event(cid, caller.user_id, read_seq, protocol::now_timestamp()));
  }
  // notification.mark_read (with the new totals) to the reader's connections that do not watch the channel.
  if (notify) notify_mark_read(changes, cid, caller.user_id, read_seq, row.unread_count, totals);
  return committed(changes, Done::ok, protocol::mark_read_result(cid, caller.user_id, read_seq, row.unread_count));
}

Outcome get_me(Connection& c, const Caller& caller) {
  if (caller.server) return ApiError::invalid_request("/v1/me needs a user token");
  storage::Tx tx(c, storage::TxKind::autocommit);  // one statement: its own snapshot
  return Reply{Done::ok, read_me(tx, caller.app_id, caller.user_id)};
}

nlohmann::json read_me(Connection& c, std::int64_t app_id, const std::string& user_id) {
  storage::Tx tx(c, storage::TxKind::autocommit);
  return read_me(tx, app_id, user_id);
}

nlohmann::json read_me(storage::Tx& tx, std::int64_t app_id, const std::string& user_id) {
  auto row = storage::read_me_record(tx, app_id, user_id);
  protocol::Me me;
  me.id = user_id;
  if (row.user) {
    auto& u = *row.user;
    me.id = std::move(u.id);
    me.profile = protocol::MeProfile{std::move(u.name), std::move(u.image), std::move(u.role), std::move(u.custom_json)};
  }
  me.total_unread_count = row.unread.total_unread_count;
  me.unread_channels = row.unread.unread_channels;
  return protocol::me_result(me);
}

}  // namespace parley::chat
