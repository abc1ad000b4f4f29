#include "parley/chat/store_support.hpp"

#include "parley/storage/channel_repository.hpp"
#include "parley/storage/channel_seq_repository.hpp"
#include "parley/storage/event_repository.hpp"

#include "parley/chat/channel_event.hpp"
#include "parley/chat/channel_policy.hpp"
#include "parley/chat/channel_types.hpp"
#include "parley/chat/member_role_cache.hpp"
#include "parley/chat/message_rules.hpp"
#include "parley/protocol/ids.hpp"

#include <charconv>

namespace parley::chat {

using protocol::ApiError;

std::string now_ts(storage::Tx& tx) { return storage::transaction_now_ts(tx); }

protocol::Channel to_channel(const storage::ChannelRecord& r) {
  return {r.type,     r.id,         r.name,       r.custom_json, r.created_by,
          r.frozen,   r.cooldown_s, r.last_seq,   r.created_at,  r.updated_at,
          r.last_message_at};
}

ChannelRow channel_row(const storage::ChannelRecord& r) { return {r.pk, to_channel(r)}; }

storage::NewChannel new_channel(const Caller& caller, const std::string& type, const std::string& id,
                                const nlohmann::json& body) {
  storage::NewChannel fresh;
  fresh.app_id = caller.app_id;
  fresh.type = type;
  fresh.id = id;
  if (body.contains("name")) fresh.name = body["name"].get<std::string>();
  if (body.contains("custom")) fresh.custom_json = body["custom"].dump();
  if (!caller.server) fresh.created_by = caller.user_id;
  return fresh;
}

std::optional<ChannelRow> find_channel(storage::Tx& tx, std::int64_t app_id, const std::string& type,
                                       const std::string& id, bool for_update) {
  auto found = storage::find_channel_record(tx, app_id, type, id, for_update);
  if (!found) return std::nullopt;
  return channel_row(*found);
}

std::string member_role(storage::Tx& tx, std::int64_t channel_pk, const std::string& user_id) {
  if (user_id.empty()) return {};
  return storage::find_member_role(tx, channel_pk, user_id).value_or(std::string());
}

std::string caller_role(storage::Tx& tx, std::int64_t channel_pk, const std::string& user_id) {
  if (user_id.empty()) return {};
  auto& cache = member_role_cache();
  if (auto hit = cache.lookup(channel_pk, user_id)) return hit->value_or(std::string());
  const auto generation = cache.generation();  // before the read: a change committed meanwhile drops this fill
  auto role = storage::find_member_role(tx, channel_pk, user_id);
  cache.store(channel_pk, user_id, role, generation);
  return role.value_or(std::string());
}

std::optional<ApiError> check_channel_name(const std::string& type, const std::string& id) {
  if (!protocol::is_valid_channel_type(type)) return ApiError::invalid_request("invalid channel type");
  if (!protocol::is_valid_channel_id(id)) return ApiError::invalid_request("invalid channel id");
  // Whether the type exists depends on the app: creation checks it with check_channel_type() in its
  // transaction; every other path finds no channel of an unknown type (404) and authorize() loads it.
  return std::nullopt;
}

// Permission check through the one policy function; a non-reader learns nothing (404 vs 403).
std::optional<ApiError> authorize(storage::Tx& tx, const Caller& caller, const std::string& type,
                                  const ChannelRow& ch, const char* action) {
  const auto channel_type = load_channel_type(tx, caller.app_id, type);  // custom row, override, else built-in
  if (!channel_type) return ApiError::not_found("no channel type " + type);
  CallerRoles roles{caller.server, caller.app_role, caller_role(tx, ch.pk, caller.user_id)};
  if (is_allowed(channel_type->policy, roles, action)) return std::nullopt;
  return not_allowed(action, ch.cid());
}

ApiError not_allowed(const char* action, const std::string& cid) {
  std::string message = "not allowed to ";
  message.append(action).append(" in ").append(cid);
  return ApiError::forbidden(std::move(message));
}

std::optional<std::int64_t> parse_seq(const std::map<std::string, std::string>& q, const std::string& name,
                                      std::optional<ApiError>& error) {
  auto it = q.find(name);
  if (it == q.end()) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || p != it->second.data() + it->second.size() || v < 0) {
    error = ApiError::invalid_request(name + " must be a non-negative integer");
  }
  return v;
}

int parse_limit(const std::map<std::string, std::string>& q, int def, int max, std::optional<ApiError>& error) {
  auto it = q.find("limit");
  if (it == q.end()) return def;
  int v = 0;
  auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec != std::errc() || p != it->second.data() + it->second.size() || v < 1 || v > max) {
    error = ApiError::invalid_request("limit must be from 1 to " + std::to_string(max),
                                      {{"limit", "limit"}, {"max", max}});
  }
  return v;
}

std::optional<ApiError> check_name_and_custom(const nlohmann::json& fields) {
  if (fields.contains("name") &&
      (!fields["name"].is_string() || fields["name"].get_ref<const std::string&>().size() > 200)) {
    return ApiError::invalid_request("name must be a string of at most 200 bytes");
  }
  if (fields.contains("custom") && (!fields["custom"].is_object() || fields["custom"].dump().size() > kMaxCustomBytes)) {
    return ApiError::invalid_request("custom must be an object of at most 5 KiB",
                                     {{"limit", "custom"}, {"max", kMaxCustomBytes}});
  }
  return std::nullopt;
}

protocol::Message to_message(storage::MessageRow row, const std::string& cid) {
  protocol::Message m;
  m.id = std::move(row.id);
  m.cid = cid;
  m.seq = row.seq;
  m.type = std::move(row.type);
  m.user_id = std::move(row.user_id);
  m.text = std::move(row.text);
  m.attachments_json = std::move(row.attachments_json);
  m.parent_id = std::move(row.parent_id);
  m.show_in_channel = row.show_in_channel;
  m.reply_count = row.reply_count;
  m.mentioned_users_json = std::move(row.mentioned_users_json);
  m.pinned = row.pinned;
  m.silent = row.silent;
  m.custom_json = std::move(row.custom_json);
  m.created_at = std::move(row.created_at);
  m.updated_at = std::move(row.updated_at);
  m.deleted_at = std::move(row.deleted_at);
  return m;
}

nlohmann::json message_json(const storage::MessageRow& m, const std::string& cid) {
  return protocol::to_json(to_message(m, cid));
}

std::optional<ApiError> parse_seq_page(const std::map<std::string, std::string>& q, SeqPage& page) {
  std::optional<ApiError> bad;
  page.before_seq = parse_seq(q, "before_seq", bad);
  page.after_seq = parse_seq(q, "after_seq", bad);
  page.limit = parse_limit(q, 50, 200, bad);
  return bad;
}

std::int64_t next_seq(storage::Tx& tx, std::int64_t channel_pk) { return storage::take_next_seq(tx, channel_pk); }

void append_event(storage::Tx& tx, Changes& changes, std::int64_t channel_pk, std::int64_t seq, const std::string& type,
                  const nlohmann::json& payload) {
  std::string frame = payload.dump();
  storage::insert_channel_event(tx, channel_pk, seq, type, frame);
  // Published by the transaction's owner after its commit (fan-out to watchers).
  if (payload.contains("cid")) {
    changes.record(payload["cid"].get<std::string>(), seq, std::move(frame));
  }
}


bool is_channel_moderator(storage::Tx& tx, const Caller& caller, const ChannelRow& ch) {
  if (caller.server || caller.app_role == "admin") return true;
  const auto role = caller_role(tx, ch.pk, caller.user_id);
  return role == "owner" || role == "moderator";
}

std::optional<ApiError> check_frozen_and_cooldown(storage::Tx& tx, const Caller& caller,
                                                  const ChannelRow& ch) {
  const bool frozen = ch.channel.frozen;
  const int cooldown_s = ch.channel.cooldown_s;
  if (!frozen && cooldown_s == 0) return std::nullopt;
  if (is_channel_moderator(tx, caller, ch)) return std::nullopt;
  if (frozen) return channel_frozen_error();
  const auto wait_s = storage::cooldown_wait_s(tx, ch.pk, caller.user_id, cooldown_s);
  if (!wait_s) return std::nullopt;
  return cooldown_error(std::max(1, *wait_s), cooldown_s);
}

ApiError channel_frozen_error() { return ApiError{"channel_frozen", 403, "channel is frozen; only moderators may write"}; }

ApiError cooldown_error(std::int64_t retry_after_s, std::int64_t cooldown_s) {
  return ApiError{"cooldown", 429, "slow mode: wait " + std::to_string(retry_after_s) + " s before the next message",
                  {{"retry_after_s", retry_after_s}, {"cooldown_s", cooldown_s}}};
}

}  // namespace parley::chat
