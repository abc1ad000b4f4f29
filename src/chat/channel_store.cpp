#include "parley/chat/channel_store.hpp"

#include "parley/auth/random.hpp"
#include "parley/chat/channel_policy.hpp"
#include "parley/chat/message_rules.hpp"
#include "parley/protocol/ids.hpp"

#include <pqxx/pqxx>

#include <charconv>

namespace parley::chat {
namespace {

using protocol::ApiError;
constexpr const char* kTs = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'";
constexpr int kStateMessages = 25;

std::string ts(const std::string& column) { return "to_char(" + column + " AT TIME ZONE 'UTC', " + kTs + ")"; }

struct ChannelRow {
  std::int64_t pk = 0;
  nlohmann::json json;
};

const std::string kChannelColumns = "pk, type, id, name, custom::text, created_by, frozen, cooldown_s, last_seq, " +
                                    ts("created_at") + ", " + ts("updated_at") + ", " + ts("last_message_at");

ChannelRow read_channel(const pqxx::row& r) {
  ChannelRow ch;
  ch.pk = r[0].as<std::int64_t>();
  const std::string type = r[1].c_str();
  const std::string id = r[2].c_str();
  ch.json = {{"cid", type + ":" + id},
             {"type", type},
             {"id", id},
             {"name", r[3].is_null() ? nlohmann::json(nullptr) : nlohmann::json(r[3].c_str())},
             {"custom", nlohmann::json::parse(r[4].c_str())},
             {"created_by", r[5].is_null() ? nlohmann::json(nullptr) : nlohmann::json(r[5].c_str())},
             {"frozen", r[6].as<bool>()},
             {"cooldown_s", r[7].as<int>()},
             {"last_seq", r[8].as<std::int64_t>()},
             {"created_at", r[9].c_str()},
             {"updated_at", r[10].c_str()},
             {"last_message_at", r[11].is_null() ? nlohmann::json(nullptr) : nlohmann::json(r[11].c_str())}};
  return ch;
}

std::optional<ChannelRow> find_channel(pqxx::transaction_base& tx, std::int64_t app_id, const std::string& type,
                                       const std::string& id, bool for_update) {
  const auto rows = tx.exec("SELECT " + kChannelColumns + " FROM channels WHERE app_id = " + std::to_string(app_id) +
                            " AND type = " + tx.quote(type) + " AND id = " + tx.quote(id) +
                            " AND deleted_at IS NULL" + (for_update ? " FOR UPDATE" : ""));
  if (rows.empty()) return std::nullopt;
  return read_channel(rows[0]);
}

std::string member_role(pqxx::transaction_base& tx, std::int64_t channel_pk, const std::string& user_id) {
  if (user_id.empty()) return {};
  const auto rows = tx.exec("SELECT role FROM members WHERE channel_pk = " + std::to_string(channel_pk) +
                            " AND user_id = " + tx.quote(user_id));
  return rows.empty() ? std::string() : std::string(rows[0][0].c_str());
}

std::optional<ApiError> check(const std::string& type, const std::string& id) {
  if (!protocol::is_valid_channel_type(type)) return ApiError::invalid_request("invalid channel type");
  if (!protocol::is_valid_channel_id(id)) return ApiError::invalid_request("invalid channel id");
  if (builtin_channel_type(type) == nullptr) return ApiError::not_found("no channel type " + type);
  return std::nullopt;
}

// Permission check through the one policy function; a non-reader learns nothing (404 vs 403).
std::optional<ApiError> authorize(pqxx::transaction_base& tx, const Caller& caller, const std::string& type,
                                  const ChannelRow& ch, const char* action) {
  CallerRoles roles{caller.server, caller.app_role, member_role(tx, ch.pk, caller.user_id)};
  if (is_allowed(*builtin_channel_type(type), roles, action)) return std::nullopt;
  return ApiError::forbidden(std::string("not allowed to ") + action + " in " + ch.json["cid"].get<std::string>());
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

const std::string kMessageColumns = "m.id, m.seq, m.type, m.user_id, m.text, m.attachments::text, m.parent_id, "
                                    "m.reply_count, m.mentioned_users::text, m.pinned, m.silent, m.custom::text, " +
                                    ts("m.created_at") + ", " + ts("m.updated_at") + ", " + ts("m.deleted_at") +
                                    ", m.content_hash, m.show_in_channel";

nlohmann::json read_message(const pqxx::row& r, const std::string& cid) {
  const bool deleted = !r[14].is_null();
  return {{"id", r[0].c_str()},
          {"cid", cid},
          {"seq", r[1].as<std::int64_t>()},
          {"type", r[2].c_str()},
          {"user", {{"id", r[3].c_str()}}},
          {"text", deleted ? "" : r[4].c_str()},
          {"attachments", nlohmann::json::parse(r[5].c_str())},
          {"parent_id", r[6].is_null() ? nlohmann::json(nullptr) : nlohmann::json(r[6].c_str())},
          {"show_in_channel", r[16].as<bool>()},
          {"reply_count", r[7].as<int>()},
          {"mentioned_users", nlohmann::json::parse(r[8].c_str())},
          {"reaction_counts", nlohmann::json::object()},
          {"own_reactions", nlohmann::json::array()},
          {"pinned", r[9].as<bool>()},
          {"silent", r[10].as<bool>()},
          {"custom", nlohmann::json::parse(r[11].c_str())},
          {"created_at", r[12].c_str()},
          {"updated_at", r[13].c_str()},
          {"deleted_at", deleted ? nlohmann::json(r[14].c_str()) : nlohmann::json(nullptr)}};
}

nlohmann::json channel_state(pqxx::transaction_base& tx, const ChannelRow& ch) {
  const auto cid = ch.json["cid"].get<std::string>();
  nlohmann::json members = nlohmann::json::array();
  nlohmann::json read = nlohmann::json::array();
  for (const auto& r : tx.exec("SELECT user_id, role, read_seq, " + ts("created_at") +
                               " FROM members WHERE channel_pk = " + std::to_string(ch.pk) +
                               " ORDER BY created_at, user_id LIMIT 100")) {
    members.push_back({{"user_id", r[0].c_str()}, {"role", r[1].c_str()}, {"created_at", r[3].c_str()}});
    read.push_back({{"user_id", r[0].c_str()}, {"last_read_seq", r[2].as<std::int64_t>()}});
  }
  nlohmann::json messages = nlohmann::json::array();
  const auto rows = tx.exec("SELECT * FROM (SELECT " + kMessageColumns + " FROM messages m WHERE m.channel_pk = " +
                            std::to_string(ch.pk) + " AND (m.parent_id IS NULL OR m.show_in_channel)" +
                            " ORDER BY m.seq DESC LIMIT " + std::to_string(kStateMessages) + ") last ORDER BY seq");
  for (const auto& r : rows) messages.push_back(read_message(r, cid));
  return {{"channel", ch.json}, {"members", members}, {"messages", messages}, {"read", read}};
}

std::int64_t next_seq(pqxx::transaction_base& tx, std::int64_t channel_pk) {
  return tx.exec1("UPDATE channels SET last_seq = last_seq + 1 WHERE pk = " + std::to_string(channel_pk) +
                  " RETURNING last_seq")[0]
      .as<std::int64_t>();
}

void append_event(pqxx::transaction_base& tx, std::int64_t channel_pk, std::int64_t seq, const std::string& type,
                  const nlohmann::json& payload) {
  tx.exec("INSERT INTO channel_events (channel_pk, seq, type, payload) VALUES (" + std::to_string(channel_pk) + ", " +
          std::to_string(seq) + ", " + tx.quote(type) + ", " + tx.quote(payload.dump()) + "::jsonb)");
}

}  // namespace

Outcome create_or_get_channel(pqxx::connection& c, const Caller& caller, const std::string& type,
                              const std::string& id, const nlohmann::json& body) {
  if (auto e = check(type, id)) return *e;
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
  if (body.contains("name") && (!body["name"].is_string() || body["name"].get_ref<const std::string&>().size() > 200)) {
    return ApiError::invalid_request("name must be a string of at most 200 bytes");
  }
  if (body.contains("custom") && (!body["custom"].is_object() || body["custom"].dump().size() > kMaxCustomBytes)) {
    return ApiError::invalid_request("custom must be an object of at most 5 KiB", {{"limit", "custom"}, {"max", kMaxCustomBytes}});
  }
  if (!caller.server) {
    if (std::find(members.begin(), members.end(), caller.user_id) == members.end()) members.push_back(caller.user_id);
  }
  pqxx::work tx(c);
  const std::string app = std::to_string(caller.app_id);
  const auto inserted = tx.exec(
      "INSERT INTO channels (app_id, type, id, name, custom, created_by) VALUES (" + app + ", " + tx.quote(type) + ", " +
      tx.quote(id) + ", " + (body.contains("name") ? tx.quote(body["name"].get<std::string>()) : "NULL") + ", " +
      (body.contains("custom") ? tx.quote(body["custom"].dump()) : "'{}'") + "::jsonb, " +
      (caller.server ? "NULL" : tx.quote(caller.user_id)) + ") ON CONFLICT (app_id, type, id) DO NOTHING RETURNING pk");
  const bool created = !inserted.empty();
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::conflict("channel was deleted concurrently; retry");
  if (created) {
    for (const auto& m : members) {
      const bool owner = !caller.server && m == caller.user_id;
      tx.exec("INSERT INTO members (channel_pk, app_id, user_id, role) VALUES (" + std::to_string(ch->pk) + ", " + app +
              ", " + tx.quote(m) + ", " + (owner ? "'owner'" : "'member'") + ") ON CONFLICT DO NOTHING");
    }
  } else if (auto denied = authorize(tx, caller, type, *ch, kReadChannel)) {
    return *denied;
  }
  auto state = channel_state(tx, *ch);
  tx.commit();
  return Reply{created ? 201 : 200, std::move(state)};
}

Outcome get_channel(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id) {
  if (auto e = check(type, id)) return *e;
  pqxx::read_transaction tx(c);
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::not_found("no channel " + type + ":" + id);
  if (auto denied = authorize(tx, caller, type, *ch, kReadChannel)) return *denied;
  return Reply{200, channel_state(tx, *ch)};
}

Outcome send_message(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id,
                     const nlohmann::json& body) {
  if (auto e = check(type, id)) return *e;
  auto draft = validate_message(body, caller);
  if (auto* err = std::get_if<ApiError>(&draft)) return *err;
  auto& msg = std::get<MessageDraft>(draft);
  const std::string cid = type + ":" + id;
  const std::string app = std::to_string(caller.app_id);
  if (msg.id.empty()) msg.id = auth::random_hex(16);

  pqxx::work tx(c);
  // Lock the channel row first: concurrent sends (and duplicates) of this channel queue here.
  auto ch = find_channel(tx, caller.app_id, type, id, true);
  if (!ch) return ApiError::not_found("no channel " + cid);
  if (auto denied = authorize(tx, caller, type, *ch, kSendMessage)) return *denied;
  if (ch->json["frozen"].get<bool>() && !caller.server) return ApiError{"channel_frozen", 403, "channel is frozen"};

  const std::string hash = message_content_hash(msg, cid);
  const auto existing = tx.exec("SELECT " + kMessageColumns + ", c.type || ':' || c.id FROM messages m JOIN channels c ON c.pk = m.channel_pk WHERE m.app_id = " + app +
                                " AND m.id = " + tx.quote(msg.id));
  if (!existing.empty()) {
    if (existing[0][15].c_str() != hash) {
      return ApiError::conflict("message id " + msg.id + " was already used with different content");
    }
    return Reply{200, {{"message", read_message(existing[0], existing[0][17].c_str())}}};
  }
  if (!msg.parent_id.empty()) {
    const auto parent = tx.exec("UPDATE messages SET reply_count = reply_count + 1 WHERE app_id = " + app +
                                " AND id = " + tx.quote(msg.parent_id) + " AND channel_pk = " + std::to_string(ch->pk) +
                                " AND parent_id IS NULL RETURNING id");
    if (parent.empty()) return ApiError::invalid_request("parent_id is not a top-level message of this channel");
  }
  const std::int64_t seq = next_seq(tx, ch->pk);
  const auto rows = tx.exec(
      "INSERT INTO messages AS m (app_id, id, channel_pk, seq, type, user_id, text, attachments, parent_id, "
      "show_in_channel, mentioned_users, silent, custom, content_hash) VALUES (" +
      app + ", " + tx.quote(msg.id) + ", " + std::to_string(ch->pk) + ", " + std::to_string(seq) + ", " +
      (msg.parent_id.empty() ? "'regular'" : "'reply'") + ", " + tx.quote(msg.user_id) + ", " + tx.quote(msg.text) +
      ", " + tx.quote(msg.attachments.dump()) + "::jsonb, " + (msg.parent_id.empty() ? "NULL" : tx.quote(msg.parent_id)) +
      ", " + (msg.show_in_channel ? "true" : "false") + ", " + tx.quote(msg.mentioned_users.dump()) + "::jsonb, " +
      (msg.silent ? "true" : "false") + ", " + tx.quote(msg.custom.dump()) + "::jsonb, " + tx.quote(hash) +
      ") ON CONFLICT (app_id, id) DO NOTHING RETURNING " + kMessageColumns);
  if (rows.empty()) {
    // The id exists in another channel (committed after our check): never a second copy.
    return ApiError::conflict("message id " + msg.id + " was already used with different content");
  }
  auto message = read_message(rows[0], cid);
  tx.exec("UPDATE channels SET last_message_at = now(), updated_at = now() WHERE pk = " + std::to_string(ch->pk));
  append_event(tx, ch->pk, seq, "message.new",
               {{"type", "message.new"}, {"cid", cid}, {"seq", seq}, {"message", message},
                {"created_at", message["created_at"]}});
  tx.commit();
  return Reply{201, {{"message", message}}};
}

Outcome list_messages(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id,
                      const std::map<std::string, std::string>& query) {
  if (auto e = check(type, id)) return *e;
  std::optional<ApiError> bad;
  const auto before = parse_seq(query, "before_seq", bad);
  const auto after = parse_seq(query, "after_seq", bad);
  const int limit = parse_limit(query, 50, 200, bad);
  if (bad) return *bad;
  pqxx::read_transaction tx(c);
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::not_found("no channel " + type + ":" + id);
  if (auto denied = authorize(tx, caller, type, *ch, kReadChannel)) return *denied;
  std::string where = "m.channel_pk = " + std::to_string(ch->pk) + " AND (m.parent_id IS NULL OR m.show_in_channel)";
  if (before) where += " AND m.seq < " + std::to_string(*before);
  if (after) where += " AND m.seq > " + std::to_string(*after);
  // With only before_seq (or nothing) the newest page is wanted; it is returned ascending either way.
  const bool newest = !after;
  const std::string inner = "SELECT " + kMessageColumns + " FROM messages m WHERE " + where + " ORDER BY m.seq " +
                            (newest ? "DESC" : "ASC") + " LIMIT " + std::to_string(limit + 1);
  const auto rows = tx.exec("SELECT * FROM (" + inner + ") page ORDER BY seq");
  nlohmann::json messages = nlohmann::json::array();
  const std::string cid = type + ":" + id;
  const bool has_more = rows.size() > static_cast<std::size_t>(limit);
  const std::size_t skip_front = (has_more && newest) ? 1 : 0;
  for (std::size_t i = skip_front; i < rows.size() && messages.size() < static_cast<std::size_t>(limit); ++i) {
    messages.push_back(read_message(rows[i], cid));
  }
  return Reply{200, {{"messages", messages}, {"has_more", has_more}}};
}

Outcome list_events(pqxx::connection& c, const Caller& caller, const std::string& type, const std::string& id,
                    const std::map<std::string, std::string>& query) {
  if (auto e = check(type, id)) return *e;
  std::optional<ApiError> bad;
  const auto after = parse_seq(query, "after_seq", bad);
  const int limit = parse_limit(query, 100, 1000, bad);
  if (bad) return *bad;
  if (!after) return ApiError::invalid_request("after_seq is required");
  pqxx::read_transaction tx(c);
  auto ch = find_channel(tx, caller.app_id, type, id, false);
  if (!ch) return ApiError::not_found("no channel " + type + ":" + id);
  if (auto denied = authorize(tx, caller, type, *ch, kReadChannel)) return *denied;
  const auto rows = tx.exec("SELECT payload::text FROM channel_events WHERE channel_pk = " + std::to_string(ch->pk) +
                            " AND seq > " + std::to_string(*after) + " ORDER BY seq LIMIT " + std::to_string(limit + 1));
  nlohmann::json events = nlohmann::json::array();
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i) {
    events.push_back(nlohmann::json::parse(rows[i][0].c_str()));
  }
  return Reply{200, {{"events", events}, {"has_more", rows.size() > static_cast<std::size_t>(limit)}}};
}

}  // namespace parley::chat
