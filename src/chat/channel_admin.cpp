#include "parley/chat/channel_admin.hpp"

#include "parley/chat/channel_list.hpp"
#include "parley/chat/channel_policy.hpp"
#include "parley/chat/channel_types.hpp"
#include "parley/chat/message_rules.hpp"
#include "parley/chat/notifications.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/channel_events.hpp"
#include "parley/protocol/ids.hpp"
#include "parley/storage/channel_repository.hpp"
#include "parley/storage/member_repository.hpp"

#include <set>

namespace parley::chat {

using protocol::ApiError;

namespace {

constexpr std::size_t kMaxDistinctMembers = 100;
constexpr const char* kDistinctPrefix = "!members-";

// Ids cannot hold ",", so the joined list names exactly one set.
std::string member_set_key(const std::set<std::string>& members) {
  std::string joined;
  for (const auto& m : members) joined += (joined.empty() ? "" : ",") + m;
  return sha256_hex(joined);
}

// The member a hide / mute applies to: the caller, or for a server token body.user_id.
std::variant<std::string, ApiError> target_member(const Caller& caller, const nlohmann::json& body) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "user_id") return ApiError::invalid_request("unknown field " + it.key().substr(0, 64));
  }
  std::string named;
  if (body.contains("user_id")) {
    if (!body["user_id"].is_string() || !protocol::is_valid_user_id(body["user_id"].get_ref<const std::string&>())) {
      return ApiError::invalid_request("user_id must be a valid user id");
    }
    named = body["user_id"].get<std::string>();
  }
  if (caller.server) {
    if (named.empty()) return ApiError::invalid_request("a server token must name the member in user_id");
    return named;
  }
  if (!named.empty() && named != caller.user_id) return ApiError::forbidden("a user changes only their own membership");
  return caller.user_id;
}

// Sets one per-member setting; no seq (per-member state, like read marks).
template <class Set>
Outcome set_member_state(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                         const nlohmann::json& body, const Set& set, const char* what) {
  if (auto e = check_channel_name(type, id)) return *e;
  auto who = target_member(caller, body);
  if (auto* err = std::get_if<ApiError>(&who)) return *err;
  const auto& user = std::get<std::string>(who);
  storage::Tx tx(c);
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::not_found("no channel " + type + ":" + id);
  const std::optional<storage::MembershipRecord> changed = set(tx, ch->pk, user);
  if (!changed) return ApiError::forbidden(std::string("only members can ") + what + " a channel");
  tx.commit();
  return Reply{Done::ok, protocol::membership_result(type + ":" + id, to_membership(*changed))};
}

}  // namespace

std::string distinct_channel_id(const std::vector<std::string>& members) {
  const std::set<std::string> set(members.begin(), members.end());
  return kDistinctPrefix + member_set_key(set).substr(0, 40);
}

Outcome create_distinct_channel(Connection& c, const Caller& caller, const std::string& type,
                                const nlohmann::json& body) {
  if (body.contains("id")) {
    return ApiError::invalid_request("a distinct channel has no id; use PUT /v1/channels/{type}/{id} to name one");
  }
  for (auto it = body.begin(); it != body.end(); ++it) {
    const auto& k = it.key();
    if (k != "members" && k != "name" && k != "custom") {
      return ApiError::invalid_request("unknown field " + k.substr(0, 64));
    }
  }
  if (!body.contains("members") || !body["members"].is_array() || body["members"].empty() ||
      body["members"].size() > kMaxDistinctMembers) {
    return ApiError::invalid_request("members must be an array of 1 to 100 user ids");
  }
  std::set<std::string> members;
  for (const auto& m : body["members"]) {
    if (!m.is_string() || !protocol::is_valid_user_id(m.get_ref<const std::string&>())) {
      return ApiError::invalid_request("members must be valid user ids");
    }
    members.insert(m.get<std::string>());
  }
  if (auto e = check_name_and_custom(body)) return *e;
  const std::string key = member_set_key(members);
  const std::string id = kDistinctPrefix + key.substr(0, 40);
  if (auto e = check_channel_name(type, id)) return *e;
  if (!caller.server && members.count(caller.user_id) == 0) {
    return ApiError::forbidden("a user creates only distinct channels they are a member of");
  }
  const std::string cid = type + ":" + id;
  storage::Tx tx(c);
  if (auto e = check_channel_type(tx, caller.app_id, type)) return *e;
  // The unique (app_id, type, id) makes concurrent creations of one set meet on one row: the
  // loser's insert waits for the winner's commit, then does nothing and reads the winner's row.
  auto fresh = new_channel(caller, type, id, body);
  fresh.distinct_key = key;
  const auto inserted = storage::insert_channel(tx, fresh);
  const bool created = inserted.has_value();
  if (created) {
    for (const auto& m : members) {
      const bool owner = !caller.server && m == caller.user_id;
      storage::insert_member(tx, *inserted, caller.app_id, m, owner ? "owner" : "member");  // a new set: no duplicates
    }
  } else {
    const auto existing = storage::get_channel_identity(tx, caller.app_id, type, id);
    if (existing.deleted) {
      return ApiError::conflict("channel " + cid + " was deleted; a deleted channel is not re-created " +
                                "(a server token can purge it with DELETE ?hard=true)");
    }
    if (!existing.distinct_key || *existing.distinct_key != key) {
      return ApiError::conflict("channel id " + id + " is taken by a channel that is not this distinct member set");
    }
  }
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::conflict("channel " + cid + " was deleted concurrently; retry");
  if (!created) {
    if (auto denied = authorize(tx, caller, type, *ch, kReadChannel)) return *denied;
  }
  auto state = protocol::to_json(std::move(channel_states(tx, {*ch}).front()));
  Changes changes(caller.app_id);
  if (created) {  // notification.added_to_channel to each member but the creator, after the commit
    std::vector<nlohmann::json> added;
    const auto created_at = ch->channel.created_at;
    for (const auto& m : members) {
      const std::string role = !caller.server && m == caller.user_id ? "owner" : "member";
      added.push_back(protocol::to_json(protocol::Member{m, role, 0, created_at}));
    }
    notify_added_to_channel(changes, ch->json(), added, caller.user_id);
  }
  tx.commit();
  return committed(changes, created ? Done::created : Done::ok, std::move(state));
}

Outcome delete_channel(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                       bool hard) {
  if (auto e = check_channel_name(type, id)) return *e;
  const std::string cid = type + ":" + id;
  storage::Tx tx(c);
  const auto record = storage::find_channel_record(tx, caller.app_id, type, id, true);
  if (!record) {
    // The one thing left to do with a soft-deleted channel: a server purges it, which frees its id.
    if (hard && caller.server) {
      if (const auto purged = storage::purge_deleted_channel(tx, caller.app_id, type, id)) {
        tx.commit();
        return Reply{Done::ok, protocol::delete_result(protocol::purged_channel_json(type, id, *purged), true)};
      }
    }
    return ApiError::not_found("no channel " + cid);
  }
  const auto ch = channel_row(*record);
  if (auto denied = authorize(tx, caller, type, ch, "delete_channel")) return *denied;
  auto channel = to_channel(*record);
  Changes changes(caller.app_id);
  std::string deleted_at;
  if (hard) {
    // Members, messages and the event log go with the row (ON DELETE CASCADE).
    deleted_at = now_ts(tx);
    storage::hard_delete_channel(tx, ch.pk);
  } else {
    const auto seq = next_seq(tx, ch.pk);
    deleted_at = storage::soft_delete_channel(tx, ch.pk);
    channel.updated_at = deleted_at;
    channel.last_seq = seq;
    append_event(tx, changes, ch.pk, seq, "channel.deleted", protocol::channel_deleted_event(channel, seq, deleted_at));
  }
  tx.commit();
  return committed(changes, Done::ok,
                   protocol::delete_result(protocol::deleted_channel_json(channel, deleted_at), hard));
}

Outcome truncate_channel(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                         const nlohmann::json& body) {
  if (auto e = check_channel_name(type, id)) return *e;
  if (!body.empty()) return ApiError::invalid_request("truncate takes no fields (send {} or no body)");
  const std::string cid = type + ":" + id;
  storage::Tx tx(c);
  auto ch = find_channel(tx, caller.app_id, type, id, true);
  if (!ch) return ApiError::not_found("no channel " + cid);
  if (auto denied = authorize(tx, caller, type, *ch, "update_channel")) return *denied;
  // The removed content must not stay readable through the event log either.
  const auto removed = storage::truncate_channel_messages(tx, ch->pk);
  const auto seq = next_seq(tx, ch->pk);
  storage::touch_channel(tx, ch->pk);
  const auto updated = to_channel(*storage::find_channel_record(tx, caller.app_id, type, id, false));
  Changes changes(caller.app_id);
  append_event(tx, changes, ch->pk, seq, "channel.truncated", protocol::channel_truncated_event(updated, seq));
  tx.commit();
  return committed(changes, Done::ok, protocol::truncate_result(updated, removed));
}

Outcome set_channel_hidden(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                           const nlohmann::json& body, bool hidden) {
  // Hidden until a message with a seq above the channel's last_seq of now arrives.
  return set_member_state(
      c, caller, type, id, body,
      [hidden](storage::Tx& tx, std::int64_t pk, const std::string& user) {
        return storage::set_member_hidden(tx, pk, user, hidden);
      },
      hidden ? "hide" : "show");
}

Outcome set_channel_muted(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                          const nlohmann::json& body, bool muted) {
  return set_member_state(
      c, caller, type, id, body,
      [muted](storage::Tx& tx, std::int64_t pk, const std::string& user) {
        return storage::set_member_muted(tx, pk, user, muted);
      },
      muted ? "mute" : "unmute");
}

}  // namespace parley::chat
