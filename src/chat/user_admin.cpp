#include "parley/chat/member_role_cache.hpp"
#include "parley/chat/user_admin.hpp"

#include "parley/chat/channel_event.hpp"

#include "parley/auth/random.hpp"
#include "parley/auth/user_state_cache.hpp"
#include "parley/chat/member_ops.hpp"
#include "parley/chat/message_ops.hpp"
#include "parley/chat/reactions.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/chat/user_store.hpp"
#include "parley/protocol/ids.hpp"
#include "parley/storage/user_repository.hpp"

#include <chrono>
#include <set>
#include <vector>

namespace parley::chat {

using protocol::ApiError;

namespace {

constexpr int kDefaultListLimit = 25;
constexpr int kMaxListLimit = 100;
constexpr const char* kProfileFields[] = {"name", "image", "custom", "role"};

bool is_profile_field(const std::string& f) {
  for (const char* p : kProfileFields) {
    if (f == p) return true;
  }
  return false;
}

bool digits(std::string_view s, std::size_t from, std::size_t n, int& out) {
  if (from + n > s.size()) return false;
  out = 0;
  for (std::size_t i = from; i < from + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// "YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z" with a real calendar date (what PostgreSQL takes as a timestamptz).
bool is_rfc3339_utc(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 20 || s.size() > 27 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || s[10] != 'T' || !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) ||
      s[16] != ':' || !digits(s, 17, 2, sec) || s.back() != 'Z') {
    return false;
  }
  if (s.size() > 20) {
    int frac = 0;
    if (s[19] != '.' || s.size() < 22 || !digits(s, 20, s.size() - 21, frac)) return false;
  }
  const std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                         std::chrono::day(static_cast<unsigned>(d))};
  return y >= 1970 && date.ok() && h < 24 && mi < 60 && sec < 60;
}

// Opaque list cursor: the last id returned, base64url-encoded with a version tag.
std::string encode_cursor(const std::string& last_id) { return auth::base64url_encode("u1:" + last_id); }

std::optional<std::string> decode_cursor(const std::string& cursor) {
  std::string raw;
  if (cursor.size() > 128 || !auth::base64url_decode(cursor, raw) || raw.rfind("u1:", 0) != 0) return std::nullopt;
  raw.erase(0, 3);
  if (!protocol::is_valid_user_id(raw)) return std::nullopt;
  return raw;
}

Outcome list_by_ids(Connection& c, const Caller& caller, const std::string& ids_param) {
  std::set<std::string> ids;
  std::size_t count = 0;
  std::size_t start = 0;
  while (start <= ids_param.size()) {
    const auto comma = std::min(ids_param.find(',', start), ids_param.size());
    const std::string id = ids_param.substr(start, comma - start);
    if (++count > kMaxUsersPerLookup) {
      return ApiError::invalid_request("ids takes at most 100 user ids",
                                       {{"limit", "ids"}, {"max", kMaxUsersPerLookup}});
    }
    if (!protocol::is_valid_user_id(id)) return ApiError::invalid_request("ids must be comma-separated user ids");
    ids.insert(id);
    start = comma + 1;
  }
  storage::Tx tx(c, storage::TxKind::read);
  const auto rows = storage::find_users(tx, caller.app_id, std::vector<std::string>(ids.begin(), ids.end()));
  std::vector<protocol::User> users;
  for (const auto& r : rows) users.push_back(to_user(r));
  return Reply{Done::ok, protocol::user_page(users, std::nullopt)};
}

}  // namespace

std::variant<storage::RevocationCutoff, ApiError> revocation_cutoff(const nlohmann::json& body, const char* field) {
  storage::RevocationCutoff cutoff;
  if (!body.contains(field)) {
    cutoff.now = true;
    return cutoff;
  }
  const auto& v = body[field];
  if (v.is_null()) return cutoff;
  if (!v.is_string() || !is_rfc3339_utc(v.get_ref<const std::string&>())) {
    return ApiError::invalid_request(std::string(field) +
                                     " must be an RFC 3339 UTC timestamp like 2026-11-23T00:17:10.232Z, or null");
  }
  cutoff.at = v.get<std::string>();
  return cutoff;
}

Outcome list_users(Connection& c, const Caller& caller, const std::map<std::string, std::string>& query) {
  const auto ids = query.find("ids");
  const auto q = query.find("q");
  if (ids != query.end()) {
    if (q != query.end() || query.count("limit") || query.count("next")) {
      return ApiError::invalid_request("ids cannot be combined with q, limit or next");
    }
    return list_by_ids(c, caller, ids->second);
  }
  const std::string prefix = q == query.end() ? std::string() : q->second;
  if (!prefix.empty() && !protocol::is_valid_user_id(prefix)) {
    return ApiError::invalid_request("q must be a user id prefix (^[A-Za-z0-9@_.\\-!]{1,64}$)");
  }
  std::optional<ApiError> bad;
  const int limit = parse_limit(query, kDefaultListLimit, kMaxListLimit, bad);
  if (bad) return *bad;
  std::optional<std::string> after;
  if (auto it = query.find("next"); it != query.end() && !it->second.empty()) {
    after = decode_cursor(it->second);
    if (!after) return ApiError::invalid_request("next is not a cursor of this list");
  }
  storage::Tx tx(c, storage::TxKind::read);
  const auto rows = storage::list_users_page(
      tx, caller.app_id, prefix.empty() ? std::nullopt : std::optional<std::string>(prefix), after, limit + 1);
  std::vector<protocol::User> users;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i) {
    users.push_back(to_user(rows[i]));
  }
  std::optional<std::string> next;
  if (rows.size() > static_cast<std::size_t>(limit)) next = encode_cursor(users.back().id);
  return Reply{Done::ok, protocol::user_page(users, next)};
}

Outcome update_user(Connection& c, const Caller& caller, const std::string& id, const nlohmann::json& body) {
  if (!protocol::is_valid_user_id(id)) return ApiError::invalid_request("invalid user id");
  if (!body.is_object()) return ApiError::invalid_request("the body must be an object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "set" && it.key() != "unset" && it.key() != "deactivated") {
      return ApiError::invalid_request("unknown field " + it.key().substr(0, 64) + " (set, unset, deactivated)");
    }
  }
  const nlohmann::json set = body.value("set", nlohmann::json::object());
  const nlohmann::json unset = body.value("unset", nlohmann::json::array());
  if (!set.is_object()) return ApiError::invalid_request("set must be an object");
  for (auto it = set.begin(); it != set.end(); ++it) {
    if (!is_profile_field(it.key())) {
      return ApiError::invalid_request("cannot set " + it.key().substr(0, 64) + " (name, image, custom, role)");
    }
  }
  if (auto e = validate_user_fields(set)) return *e;
  if (!unset.is_array()) return ApiError::invalid_request("unset must be an array of field names");
  std::set<std::string> unset_fields;
  for (const auto& f : unset) {
    if (!f.is_string() || !is_profile_field(f.get<std::string>())) {
      return ApiError::invalid_request("unset takes name, image, custom and/or role");
    }
    if (set.contains(f.get<std::string>())) {
      return ApiError::invalid_request("a field cannot be both set and unset: " + f.get<std::string>());
    }
    unset_fields.insert(f.get<std::string>());
  }
  const bool has_deactivated = body.contains("deactivated");
  if (has_deactivated && !body["deactivated"].is_boolean())
    return ApiError::invalid_request("deactivated must be a boolean");
  if (set.empty() && unset_fields.empty() && !has_deactivated) {
    return ApiError::invalid_request("give set, unset and/or deactivated");
  }
  if (!caller.server) {
    if (caller.user_id != id) return ApiError::forbidden("users may only update themselves");
    if (set.contains("role") || unset_fields.count("role") || has_deactivated) {
      return ApiError::forbidden("only a server token may change role or deactivated");
    }
  }

  storage::UserPatch patch;
  // name and image: set to a string or null ("none"), or unset (none).
  const auto text_field = [&](const char* f, bool& change, std::optional<std::string>& value) {
    if (set.contains(f)) {
      change = true;
      if (!set[f].is_null()) value = set[f].get<std::string>();
    }
    if (unset_fields.count(f)) change = true;
  };
  text_field("name", patch.change_name, patch.name);
  text_field("image", patch.change_image, patch.image);
  if (set.contains("custom")) patch.custom_json = set["custom"].dump();
  if (unset_fields.count("custom")) patch.custom_json = "{}";
  if (set.contains("role")) patch.role = set["role"].get<std::string>();
  if (unset_fields.count("role")) patch.role = "user";
  if (has_deactivated) patch.deactivated = body["deactivated"].get<bool>();
  storage::Tx tx(c);
  const auto row = storage::update_user_record(tx, caller.app_id, id, patch);
  if (!row) return ApiError::not_found("no user " + id);
  auto user = to_user(*row);
  tx.commit();
  auth::user_state_cache().invalidate_everywhere(caller.app_id, {id});  // role or deactivation may have changed
  Changes changes(caller.app_id);
  if (has_deactivated && body["deactivated"].get<bool>()) record_access_revoked(changes, id, std::nullopt);
  return committed(changes, Done::ok, protocol::user_result(user));
}

Outcome delete_user(Connection& c, const Caller& caller, const std::string& id,
                    const std::map<std::string, std::string>& query) {
  if (!caller.server) return ApiError::forbidden("only a server token may delete users");
  if (!protocol::is_valid_user_id(id)) return ApiError::invalid_request("invalid user id");
  const auto mode_it = query.find("mode");
  const std::string mode = mode_it == query.end() ? "soft" : mode_it->second;
  if (mode != "soft" && mode != "hard") return ApiError::invalid_request("mode must be soft or hard");

  MembershipChange membership_change;  // declared before the transaction: runs after it ends
  storage::Tx tx(c);
  Changes changes(caller.app_id);
  if (mode == "soft") {
    const auto row = storage::soft_delete_user(tx, caller.app_id, id);
    if (!row) return ApiError::not_found("no user " + id);
    auto rendered = protocol::soft_delete_result(to_user(row->user), row->deleted_at);
    tx.commit();
    auth::user_state_cache().invalidate_everywhere(caller.app_id, {id});
    record_access_revoked(changes, id, std::nullopt);
    return committed(changes, Done::ok, std::move(rendered));
  }

  // Hard (GDPR). Every channel the user wrote in or belongs to is locked in pk order (no deadlock
  // with another multi-channel change), then each removal takes that channel's next seq and event.
  const bool had_row = storage::delete_user_row(tx, caller.app_id, id);
  const auto channels = storage::lock_user_channels(tx, caller.app_id, id);
  if (!had_row && channels.empty()) return ApiError::not_found("no user " + id);
  std::int64_t messages_deleted = 0, memberships_removed = 0, reactions_removed = 0;
  for (const auto& ch : channels) {
    const auto pk = ch.pk;
    membership_change.add(pk);  // the user's roles there go
    const std::string cid = ch.type + ":" + ch.id;
    const auto own = storage::user_messages_in_channel(tx, caller.app_id, pk, id);
    for (const auto& row : own) {
      remove_message(tx, changes, caller.app_id, pk, cid, to_message(row, cid), true);
      ++messages_deleted;
    }
    // Their reactions on other users' messages (those on their own messages went with the messages).
    reactions_removed += remove_user_reactions(tx, changes, caller.app_id, pk, cid, id);
    if (remove_member(tx, changes, pk, cid, id)) ++memberships_removed;  // its read mark goes with it
  }
  const std::string deleted_at = storage::write_user_tombstone(tx, caller.app_id, id);
  auto out = protocol::hard_delete_result({id, deleted_at, messages_deleted, memberships_removed, reactions_removed});
  tx.commit();
  auth::user_state_cache().invalidate_everywhere(caller.app_id, {id});
  record_access_revoked(changes, id, std::nullopt);
  return committed(changes, Done::ok, std::move(out));
}

Outcome revoke_user_tokens(Connection& c, const Caller& caller, const std::string& id,
                           const nlohmann::json& body) {
  if (!caller.server) return ApiError::forbidden("only a server token may revoke tokens");
  if (!protocol::is_valid_user_id(id)) return ApiError::invalid_request("invalid user id");
  if (!body.is_object()) return ApiError::invalid_request("the body must be an object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it.key() != "before") return ApiError::invalid_request("unknown field " + it.key().substr(0, 64) + " (before)");
  }
  auto before = revocation_cutoff(body, "before");
  if (auto* err = std::get_if<ApiError>(&before)) return *err;
  storage::Tx tx(c);
  const auto row = storage::revoke_user_tokens_before(tx, caller.app_id, id, std::get<storage::RevocationCutoff>(before));
  if (!row) return ApiError::not_found("no user " + id);
  auto out = protocol::revoke_tokens_result(id, row->revoke_tokens_before);
  tx.commit();
  auth::user_state_cache().invalidate_everywhere(caller.app_id, {id});
  Changes changes(caller.app_id);
  if (row->before_s) record_access_revoked(changes, id, *row->before_s);
  return committed(changes, Done::ok, std::move(out));
}

}  // namespace parley::chat
