#include "parley/chat/member_ops.hpp"

#include "parley/chat/notifications.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/ids.hpp"

#include <pqxx/pqxx>

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

nlohmann::json member_json(const pqxx::row& r) {
  return {{"user_id", r[0].c_str()}, {"role", r[1].c_str()}, {"last_read_seq", r[2].as<std::int64_t>()},
          {"created_at", r[3].c_str()}};
}

const std::string kMemberColumns = "user_id, role, read_seq, " + ts("created_at");

// A membership change takes the channel's next seq and its event (the channel row is locked).
void append_member_event(storage::Tx& tx, Changes& changes, std::int64_t channel_pk, const std::string& cid,
                         const char* event_type, const pqxx::row& member) {
  const auto seq = next_seq(tx, channel_pk);
  append_event(tx, changes, channel_pk, seq, event_type,
               {{"type", event_type}, {"cid", cid}, {"seq", seq}, {"member", member_json(member)},
                {"created_at", now_ts(tx)}});
}

}  // namespace

bool remove_member(storage::Tx& tx, Changes& changes, std::int64_t channel_pk, const std::string& cid,
                   const std::string& user_id) {
  const auto rows = tx.pq().exec("DELETE FROM members WHERE channel_pk = " + std::to_string(channel_pk) +
                            " AND user_id = " + tx.pq().quote(user_id) + " RETURNING " + kMemberColumns);
  if (rows.empty()) return false;
  append_member_event(tx, changes, channel_pk, cid, "member.removed", rows[0]);
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
  storage::Tx tx(c);
  auto ch = find_channel(tx, caller.app_id, type, id, true);
  if (!ch) return ApiError::not_found("no channel " + type + ":" + id);
  if (auto denied = authorize(tx, caller, type, *ch, "update_members")) return *denied;
  const std::string cid = type + ":" + id;
  const std::string pk = std::to_string(ch->pk);
  // Moderators manage members, but only owners (or the server, or an app admin) grant, change or remove ownership.
  const bool owner_rights = caller.server || caller.app_role == "admin" || member_role(tx, ch->pk, caller.user_id) == "owner";
  if (!owner_rights) {
    for (const auto& [u, role] : roles) {
      if (role == "owner" || member_role(tx, ch->pk, u) == "owner") {
        return ApiError::forbidden("only an owner may grant or change the owner role");
      }
    }
    for (const auto& u : remove) {
      if (member_role(tx, ch->pk, u) == "owner") return ApiError::forbidden("only an owner may remove an owner");
    }
  }
  Changes changes(caller.app_id);
  auto emit = [&](const char* event_type, const pqxx::row& member) {
    append_member_event(tx, changes, ch->pk, cid, event_type, member);
  };
  std::vector<nlohmann::json> added;
  std::vector<std::string> removed;
  for (const auto& u : add) {
    const auto rows = tx.pq().exec("INSERT INTO members (channel_pk, app_id, user_id) VALUES (" + pk + ", " +
                              std::to_string(caller.app_id) + ", " + tx.pq().quote(u) +
                              ") ON CONFLICT DO NOTHING RETURNING " + kMemberColumns);
    if (!rows.empty()) {  // adding a member twice is a no-op
      emit("member.added", rows[0]);
      added.push_back(member_json(rows[0]));
    }
  }
  for (const auto& [u, role] : roles) {
    const auto rows = tx.pq().exec("UPDATE members SET role = " + tx.pq().quote(role) + " WHERE channel_pk = " + pk +
                              " AND user_id = " + tx.pq().quote(u) + " AND role <> " + tx.pq().quote(role) + " RETURNING " +
                              kMemberColumns);
    if (!rows.empty()) emit("member.updated", rows[0]);
  }
  for (const auto& u : remove) {
    if (remove_member(tx, changes, ch->pk, cid, u)) removed.push_back(u);
  }
  const auto all = tx.pq().exec("SELECT " + kMemberColumns + " FROM members WHERE channel_pk = " + pk +
                           " ORDER BY user_id LIMIT 100");
  nlohmann::json members = nlohmann::json::array();
  for (const auto& r : all) members.push_back(member_json(r));
  const auto last_seq = tx.pq().exec1("SELECT last_seq FROM channels WHERE pk = " + pk)[0].as<std::int64_t>();
  // notification.added_to_channel / removed_from_channel to the users concerned (published after the commit).
  nlohmann::json channel = ch->json;
  channel["last_seq"] = last_seq;
  notify_added_to_channel(changes, channel, added, caller.user_id);
  for (const auto& u : removed) {
    if (u != caller.user_id) notify_removed_from_channel(changes, channel, u);
  }
  tx.commit();
  return committed(changes, Done::ok, {{"members", members}, {"last_seq", last_seq}});
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
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::not_found("no channel " + type + ":" + id);
  if (auto denied = authorize(tx, caller, type, *ch, "read_channel")) return *denied;
  const auto rows = tx.pq().exec("SELECT " + kMemberColumns + " FROM members WHERE channel_pk = " + std::to_string(ch->pk) +
                            (after.empty() ? "" : " AND user_id > " + tx.pq().quote(after)) + " ORDER BY user_id LIMIT " +
                            std::to_string(limit + 1));
  nlohmann::json members = nlohmann::json::array();
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i) members.push_back(member_json(rows[i]));
  nlohmann::json next = nullptr;
  if (rows.size() > static_cast<std::size_t>(limit)) next = members.back()["user_id"];
  return Reply{Done::ok, {{"members", members}, {"next", next}}};
}

}  // namespace parley::chat
