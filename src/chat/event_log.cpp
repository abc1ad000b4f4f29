#include "parley/chat/event_log.hpp"

#include "parley/chat/channel_policy.hpp"
#include "parley/chat/channel_store.hpp"
#include "parley/chat/channel_types.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/event_page.hpp"
#include "parley/storage/event_repository.hpp"

namespace parley::chat {

using protocol::ApiError;

namespace {

constexpr int kDefaultEvents = 100;
constexpr int kMaxEvents = 1000;

ApiError gone(const std::string& cid, std::int64_t after, std::int64_t oldest) {
  return ApiError{"gone", 410,
                  "events of " + cid + " after seq " + std::to_string(after) + " are past the retention",
                  {{"after_seq", after}, {"oldest_seq", oldest}}};
}

// The events of one channel after `after` (the stored JSON text), or why not.
std::variant<protocol::EventPage, ApiError> read_events(storage::Tx& tx, const Caller& caller, const std::string& type, const std::string& id,
                    std::int64_t after, int limit) {
  if (auto e = check_channel_name(type, id)) return *e;
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  const std::string cid = type + ":" + id;
  if (!ch) return ApiError::not_found("no channel " + cid);
  if (auto denied = authorize(tx, caller, type, *ch, kReadChannel)) return *denied;
  const std::int64_t last_seq = ch->channel.last_seq;
  if (after < last_seq) {
    const std::int64_t first = storage::oldest_event_seq(tx, ch->pk).value_or(last_seq + 1);
    if (after < first - 1) return gone(cid, after, first);
  }
  auto rows = storage::event_payloads_after(tx, ch->pk, after, limit + 1);
  protocol::EventPage page;
  page.has_more = rows.size() > static_cast<std::size_t>(limit);
  if (page.has_more) rows.resize(static_cast<std::size_t>(limit));
  page.events_json = std::move(rows);
  return page;
}

}  // namespace

Outcome list_events(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                    const std::map<std::string, std::string>& query) {
  std::optional<ApiError> bad;
  const auto after = parse_seq(query, "after_seq", bad);
  const int limit = parse_limit(query, kDefaultEvents, kMaxEvents, bad);
  if (bad) return *bad;
  if (!after) return ApiError::invalid_request("after_seq is required");
  storage::Tx tx(c, storage::TxKind::read);
  auto page = read_events(tx, caller, type, id, *after, limit);
  if (auto* err = std::get_if<ApiError>(&page)) return *err;
  return Reply{Done::ok, protocol::to_json(std::get<protocol::EventPage>(page))};
}

Outcome sync_events(Connection& c, const Caller& caller, const nlohmann::json& body) {
  if (!body.contains("channels") || !body["channels"].is_object() || body["channels"].empty()) {
    return ApiError::invalid_request("channels must be an object {cid: after_seq} with at least one channel");
  }
  const auto& wanted = body["channels"];
  if (wanted.size() > kMaxSyncChannels) {
    return ApiError::invalid_request("at most " + std::to_string(kMaxSyncChannels) + " channels per sync",
                                     {{"limit", "channels"}, {"max", kMaxSyncChannels}});
  }
  int limit = kDefaultEvents;
  if (body.contains("limit")) {
    if (!body["limit"].is_number_integer() || body["limit"].get<std::int64_t>() < 1 ||
        body["limit"].get<std::int64_t>() > kMaxEvents) {
      return ApiError::invalid_request("limit must be from 1 to " + std::to_string(kMaxEvents),
                                       {{"limit", "limit"}, {"max", kMaxEvents}});
    }
    limit = body["limit"].get<int>();
  }
  for (const auto& [cid, after] : wanted.items()) {
    if (!after.is_number_integer() || after.get<std::int64_t>() < 0) {
      return ApiError::invalid_request("after_seq of " + cid + " must be a non-negative integer");
    }
    const auto colon = cid.find(':');
    if (colon == std::string::npos) return ApiError::invalid_request("invalid cid " + cid + " (want type:id)");
  }
  storage::Tx tx(c, storage::TxKind::snapshot);  // one snapshot for every channel (REPEATABLE READ)
  protocol::SyncChannels channels;
  for (const auto& [cid, after] : wanted.items()) {
    const auto colon = cid.find(':');
    channels.emplace_back(
        cid, read_events(tx, caller, cid.substr(0, colon), cid.substr(colon + 1), after.get<std::int64_t>(), limit));
  }
  return Reply{Done::ok, protocol::sync_result(channels)};
}

Outcome watch_channel(Connection& c, const Caller& caller, const std::string& cid,
                      std::optional<std::int64_t> after) {
  const auto colon = cid.find(':');
  if (colon == std::string::npos) return ApiError::invalid_request("invalid cid " + cid + " (want type:id)");
  const std::string type = cid.substr(0, colon);
  const std::string id = cid.substr(colon + 1);
  if (auto e = check_channel_name(type, id)) return *e;
  storage::Tx tx(c, storage::TxKind::snapshot);  // state and replay from one snapshot
  auto state = read_channel_state(tx, caller, type, id);
  if (auto* err = std::get_if<ApiError>(&state)) return *err;
  auto& body = std::get<Reply>(state).body;
  protocol::WatchSnapshot snapshot;
  snapshot.last_seq = body["channel"]["last_seq"].get<std::int64_t>();
  const auto config = load_channel_type(tx, caller.app_id, type);
  if (config) snapshot.switches = config->switches;
  // Whether this caller could still read the channel without being a member (a watch survives its removal).
  snapshot.read_needs_membership =
      !config || !is_allowed(config->policy, CallerRoles{caller.server, caller.app_role, ""}, kReadChannel);
  if (after && *after < snapshot.last_seq) {
    auto replay = read_events(tx, caller, type, id, *after, kMaxReplay);
    if (auto* err = std::get_if<ApiError>(&replay); err != nullptr && err->status != 410) return *err;
    if (auto* page = std::get_if<protocol::EventPage>(&replay); page != nullptr && !page->has_more) {
      snapshot.events_json = std::move(page->events_json);
    } else {
      snapshot.recovered = false;  // past the retention, or too far behind: reload the channel
    }
  }
  snapshot.state = std::move(body);
  return Reply{Done::ok, protocol::watch_snapshot(std::move(snapshot))};
}

std::size_t prune_events(Connection& c, std::uint64_t retention_s) {
  if (retention_s == 0) return 0;
  storage::Tx tx(c);
  if (!storage::try_lock_event_pruning(tx)) return 0;  // another node is pruning
  // Per channel, everything up to the newest seq that is past the retention: a prefix, never a hole.
  const auto deleted = storage::delete_events_past_retention(tx, retention_s);
  tx.commit();
  return deleted;
}

}  // namespace parley::chat
