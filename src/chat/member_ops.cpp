#include "parley/chat/member_role_cache.hpp"
#include "parley/chat/member_ops.hpp"

#include "parley/chat/channel_list.hpp"
#include "parley/chat/notifications.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/channel_events.hpp"
#include "parley/protocol/ids.hpp"
#include "parley/storage/channel_repository.hpp"
#include "parley/storage/member_repository.hpp"

namespace parley::chat {

using protocol::ApiError;

namespace {

constexpr std::size_t kMaxIdsPerChange = 100;

std::optional<ApiError> read_ids(const nlohmann::json& body, const char* field, std::vector<std::string>& out) {
  if (!body.contains(field)) return std::nullopt;
  const auto& list = body[field];
  if (!list.is_array() || list.size() > kMaxIdsPerChange) {
    return ApiError::invalid_request(std::string(field) + " must be an array of at most 100 user ids");
  }
  for (const auto& v : list) {
    if (!v.is_string() || !protocol::is_valid_user_id(v.get_ref<const std::string&>())) {
      return ApiError::invalid_request(std::string(field) + " must hold valid user ids");
    }
    out.push_back(v.get<std::string>());
  }
  return std::nullopt;
}

// A membership change takes the channel's next seq and its event (the channel row is locked).
void append_member_event(storage::Tx& tx, Changes& changes, std::int64_t channel_pk, const std::string& cid,
                         const char* event_type, const storage::MemberRecord& member) {
  const auto seq = next_seq(tx, channel_pk);
  append_event(tx, changes, channel_pk, seq, event_type,
               protocol::member_event(event_type, cid, seq, to_member(member), now_ts(tx)));
}

}  // namespace

bool remove_member(storage::Tx& tx, Changes& changes, std::int64_t channel_pk, const std::string& cid,
                   const std::string& user_id) {
  const auto removed = storage::delete_member(tx, channel_pk, user_id);
  if (!removed) return false;
  append_member_event(tx, changes, channel_pk, cid, "member.removed", *removed);
  return true;
}

Outcome update_members(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                       const nlohmann::json& body) {
  if (auto e = check_channel_name(type, id)) return *e;
  std::vector<std::string> add, remove;
  if (auto e = read_ids(body, "add", add)) return *e;
  if (auto e = read_ids(body, "remove", remove)) return *e;
  std::vector<std::pair<std::string, std::string>> roles;
  if (body.contains("roles")) {
    if (!body["roles"].is_object() || body["roles"].size() > kMaxIdsPerChange) {
      return ApiError::invalid_request("roles must be an object of at most 100 user id -> role");
    }
    for (auto it = body["roles"].begin(); it != body["roles"].end(); ++it) {
      const auto& role = it.value();
      if (!protocol::is_valid_user_id(it.key()) || !role.is_string() ||
          (role != "owner" && role != "moderator" && role != "member")) {
        return ApiError::invalid_request("roles maps user ids to owner, moderator or member");
      }
      roles.emplace_back(it.key(), role.get<std::string>());
    }
  }
  if (add.empty() && remove.empty() && roles.empty()) {
    return ApiError::invalid_request("give add, remove and/or roles");
  }
  MembershipChange membership_change;  // declared before the transaction: drops cached roles after it ends
  storage::Tx tx(c);
  const auto record = storage::find_channel_record(tx, caller.app_id, type, id, true);
  if (!record) return ApiError::not_found("no channel " + type + ":" + id);
  const auto ch = channel_row(*record);
  membership_change.add(ch.pk);
  if (auto denied = authorize(tx, caller, type, ch, "update_members")) return *denied;
  const std::string cid = type + ":" + id;
  // Moderators manage members, but only owners (or the server, or an app admin) grant, change or remove ownership.
  const bool owner_rights = caller.server || caller.app_role == "admin" || member_role(tx, ch.pk, caller.user_id) == "owner";
  if (!owner_rights) {
    for (const auto& [u, role] : roles) {
      if (role == "owner" || member_role(tx, ch.pk, u) == "owner") {
        return ApiError::forbidden("only an owner may grant or change the owner role");
      }
    }
    for (const auto& u : remove) {
      if (member_role(tx, ch.pk, u) == "owner") return ApiError::forbidden("only an owner may remove an owner");
    }
  }
  Changes changes(caller.app_id);
  auto emit = [&](const char* event_type, const storage::MemberRecord& member) {
    append_member_event(tx, changes, ch.pk, cid, event_type, member);
  };
  std::vector<nlohmann::json> added;
  std::vector<std::string> removed;
  for (const auto& u : add) {
    if (const auto member = storage::insert_member(tx, ch.pk, caller.app_id, u, "member")) {  // adding twice is a no-op
      emit("member.added", *member);
      added.push_back(protocol::to_json(to_member(*member)));
    }
  }
  for (const auto& [u, role] : roles) {
    if (const auto member = storage::change_member_role(tx, ch.pk, u, role)) emit("member.updated", *member);
  }
  for (const auto& u : remove) {
    if (remove_member(tx, changes, ch.pk, cid, u)) removed.push_back(u);
  }
  std::vector<protocol::Member> members;
  for (const auto& m : storage::list_members_by_user_id(tx, ch.pk, std::nullopt, 100)) members.push_back(to_member(m));
  const auto last_seq = storage::channel_last_seq(tx, ch.pk);
  // notification.added_to_channel / removed_from_channel to the users concerned (published after the commit).
  auto changed = to_channel(*record);
  changed.last_seq = last_seq;
  const auto channel = protocol::to_json(changed);
  notify_added_to_channel(changes, channel, added, caller.user_id);
  for (const auto& u : removed) {
    if (u != caller.user_id) notify_removed_from_channel(changes, channel, u);
  }
  tx.commit();
  return committed(changes, Done::ok, protocol::members_result(members, last_seq));
}

Outcome list_members(Connection& c, const Caller& caller, const std::string& type, const std::string& id,
                     const std::map<std::string, std::string>& query) {
  if (auto e = check_channel_name(type, id)) return *e;
  std::optional<ApiError> bad;
  const int limit = parse_limit(query, 25, 100, bad);
  if (bad) return *bad;
  std::string after;
  if (auto it = query.find("next"); it != query.end() && !it->second.empty()) {
    if (!protocol::is_valid_user_id(it->second)) return ApiError::invalid_request("next is not a cursor of this list");
    after = it->second;
  }
  storage::Tx tx(c, storage::TxKind::read);
  const auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::not_found("no channel " + type + ":" + id);
  if (auto denied = authorize(tx, caller, type, *ch, "read_channel")) return *denied;
  const auto rows = storage::list_members_by_user_id(
      tx, ch->pk, after.empty() ? std::nullopt : std::optional<std::string>(after), limit + 1);
  std::vector<protocol::Member> members;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i) {
    members.push_back(to_member(rows[i]));
  }
  std::optional<std::string> next;
  if (rows.size() > static_cast<std::size_t>(limit)) next = members.back().user_id;
  return Reply{Done::ok, protocol::members_page(members, next)};
}

}  // namespace parley::chat
