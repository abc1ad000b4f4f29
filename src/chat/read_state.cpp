#include "parley/chat/read_state.hpp"

#include "parley/chat/channel_event.hpp"
#include "parley/protocol/timestamp.hpp"

#include "parley/chat/channel_types.hpp"
#include "parley/chat/notifications.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/chat/user_store.hpp"
#include "parley/storage/statements.hpp"

#include <pqxx/pqxx>

namespace parley::chat {

using protocol::ApiError;

// Unread of one member: messages from others, not silent, not thread-only
// replies, not deleted, above the read mark; bounded by kUnreadCap (index
// messages_by_channel_seq keeps it a range scan).
std::string unread_count_sql(const std::string& channel_pk, const std::string& read_seq, const std::string& user) {
  return "(SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.channel_pk = " + channel_pk +
         " AND m.seq > " + read_seq + " AND m.user_id <> " + user +
         " AND NOT m.silent AND m.deleted_at IS NULL AND (m.parent_id IS NULL OR m.show_in_channel) LIMIT " +
         std::to_string(kUnreadCap) + ") capped)";
}

namespace {

// A user's unread totals over their memberships, as GET /v1/me reports them: only channels with something
// above the read mark can have unread messages; muted and deleted channels do not count.
UnreadTotals unread_totals(pqxx::transaction_base& tx, std::int64_t app_id, const std::string& user_id) {
  UnreadTotals totals;
  for (const auto& r : storage::exec_statement(tx, storage::Statement::me_unread, app_id, user_id)) {
    const auto n = r[0].as<long long>();
    totals.total_unread_count += n;
    if (n > 0) ++totals.unread_channels;
  }
  return totals;
}

}  // namespace

Outcome mark_read(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id,
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
  pqxx::work tx(c);
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::not_found("no channel " + type + ":" + id);
  if (member_role(tx, ch->pk, caller.user_id).empty()) return ApiError::forbidden("only members have read marks");
  const auto last = ch->json["last_seq"].get<std::int64_t>();
  const std::int64_t mark = seq ? std::min(*seq, last) : last;
  // A read mark never moves backwards (an old device must not resurrect unread messages).
  const auto row = tx.exec1("UPDATE members SET read_seq = GREATEST(read_seq, " + std::to_string(mark) +
                            ") WHERE channel_pk = " + std::to_string(ch->pk) + " AND user_id = " +
                            tx.quote(caller.user_id) + " RETURNING read_seq, " +
                            unread_count_sql(std::to_string(ch->pk), "members.read_seq", tx.quote(caller.user_id)));
  const std::string cid = type + ":" + id;
  const std::int64_t read_seq = row[0].as<std::int64_t>();
  auto* capture = EventCapture::current();
  // The read_events switch off: the mark is stored, but nobody is told (no message.read, no notification).
  const auto config = capture ? load_channel_type(tx, caller.app_id, type) : nullptr;
  const bool read_events = config && config->switches.value("read_events", true);
  const bool notify = read_events && config->switches.value("member_notifications", false);
  const auto totals = notify ? unread_totals(tx, caller.app_id, caller.user_id) : UnreadTotals{};
  tx.commit();
  // message.read to the channel's watchers: ephemeral (no seq, not in the event log).
  if (read_events) {
    const nlohmann::json event = {{"type", "message.read"},
                                  {"cid", cid},
                                  {"user", {{"id", caller.user_id}}},
                                  {"last_read_seq", read_seq},
                                  {"created_at", protocol::now_timestamp()}};
    capture->record(cid, 0, event.dump());
  }
  // notification.mark_read (with the new totals) to the reader's connections that do not watch the channel.
  if (notify) notify_mark_read(cid, caller.user_id, read_seq, row[1].as<int>(), totals);
  return Reply{200, {{"read", {{"cid", cid}, {"user_id", caller.user_id}, {"last_read_seq", read_seq}}},
                     {"unread_count", row[1].as<int>()}}};
}

Outcome get_me(pqxx::connection& c, const Caller& caller) {
  if (caller.server) return ApiError::invalid_request("/v1/me needs a user token");
  pqxx::nontransaction tx(c);  // one statement: its own snapshot
  return Reply{200, read_me(tx, caller.app_id, caller.user_id)};
}

nlohmann::json read_me(pqxx::transaction_base& tx, std::int64_t app_id, const std::string& user_id) {
  const auto rows = storage::exec_statement(tx, storage::Statement::me, app_id, user_id);
  const auto& r = rows[0];  // always one row: the totals, with the user's columns NULL when there is no row
  const auto total = r[5].as<long long>();
  const auto channels = r[6].as<int>();
  nlohmann::json me = {{"id", user_id}};
  if (!r[0].is_null()) {
    me = {{"id", r[0].c_str()},
          {"name", r[1].is_null() ? nlohmann::json(nullptr) : nlohmann::json(r[1].c_str())},
          {"image", r[2].is_null() ? nlohmann::json(nullptr) : nlohmann::json(r[2].c_str())},
          {"role", r[3].c_str()},
          {"custom", nlohmann::json::parse(r[4].c_str())}};
  }
  me["total_unread_count"] = total;
  me["unread_channels"] = channels;
  return {{"user", me}, {"total_unread_count", total}, {"unread_channels", channels}};
}

}  // namespace parley::chat
