#include "parley/chat/reactions.hpp"

#include "parley/chat/channel_types.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/ids.hpp"

#include <pqxx/pqxx>

#include <algorithm>

namespace parley::chat {

using protocol::ApiError;

namespace {

constexpr const char* kAddReaction = "add_reaction";
constexpr std::size_t kMaxReactionType = 32;
constexpr int kMaxScore = 100;

struct Target {
  ChannelRow channel;
  std::string type, cid;
  nlohmann::json message;
};

// The message and its channel, in the caller's app (the channel locked FOR UPDATE for a change).
std::variant<Target, ApiError> find_target(storage::Tx& tx, const Caller& caller, const std::string& id,
                                           bool for_update) {
  if (!protocol::is_valid_message_id(id)) return ApiError::invalid_request("invalid message id");
  const std::string app = std::to_string(caller.app_id);
  const auto where = tx.pq().exec(
      "SELECT c.type, c.id FROM messages m JOIN channels c ON c.pk = m.channel_pk "
      "WHERE m.app_id = " +
      app + " AND m.id = " + tx.pq().quote(id) + " AND c.deleted_at IS NULL");
  if (where.empty()) return ApiError::not_found("no message " + id);
  Target t;
  t.type = where[0][0].c_str();
  const std::string channel_id = where[0][1].c_str();
  t.cid = t.type + ":" + channel_id;
  auto ch = find_channel(tx, caller.app_id, t.type, channel_id, for_update);
  if (!ch) return ApiError::not_found("no message " + id);
  t.channel = std::move(*ch);
  // Re-read after the lock: a concurrent change may have committed in between.
  const auto rows =
      tx.pq().exec("SELECT " + kMessageColumns + " FROM messages m WHERE m.app_id = " + app + " AND m.id = " + tx.pq().quote(id));
  if (rows.empty()) return ApiError::not_found("no message " + id);
  t.message = read_message(rows[0], t.cid);
  return t;
}

// Permission, switch, frozen channel and deleted message: what every reaction change checks, in that order.
std::optional<ApiError> check_reaction_change(storage::Tx& tx, const Caller& caller, const Target& t) {
  if (auto denied = authorize(tx, caller, t.type, t.channel, kAddReaction)) return denied;
  if (auto off = check_switch_on(tx, caller.app_id, t.type, "reactions")) return off;
  if (auto refused = check_frozen_and_cooldown(tx, caller, t.channel); refused && refused->code == "channel_frozen") {
    return refused;
  }
  if (!t.message["deleted_at"].is_null()) return ApiError::invalid_request("a deleted message takes no reactions");
  return std::nullopt;
}

// The message and its locked channel, when the caller may change its reactions now.
std::variant<Target, ApiError> find_changeable_target(storage::Tx& tx, const Caller& caller,
                                                      const std::string& id) {
  auto found = find_target(tx, caller, id, true);
  if (auto* t = std::get_if<Target>(&found)) {
    if (auto refused = check_reaction_change(tx, caller, *t)) return *refused;
  }
  return found;
}

// Who reacts: the caller, or for a server token the user named in user_id.
std::variant<std::string, ApiError> reacting_user(const Caller& caller, const nlohmann::json& user_id) {
  if (caller.server) {
    if (!user_id.is_string() || !protocol::is_valid_user_id(user_id.get_ref<const std::string&>())) {
      return ApiError::invalid_request("a server token must name the reacting user in user_id");
    }
    return user_id.get<std::string>();
  }
  if (!user_id.is_null() && user_id != caller.user_id) {
    return ApiError::forbidden("a user reacts only as itself");
  }
  return caller.user_id;
}

const std::string kReactionColumns = "message_id, user_id, type, score, " + ts("created_at") + ", " + ts("updated_at");

nlohmann::json reaction_json(const pqxx::row& r) {
  return {{"message_id", r[0].c_str()}, {"user_id", r[1].c_str()}, {"user", {{"id", r[1].c_str()}}},
          {"type", r[2].c_str()},       {"score", r[3].as<int>()}, {"created_at", r[4].c_str()},
          {"updated_at", r[5].c_str()}};
}

// Adds `delta` (+1 / -1) to the message's count of `type` (a count of 0 removes the key); the new counts.
nlohmann::json change_count(storage::Tx& tx, std::int64_t app_id, const std::string& message_id,
                            const std::string& type, int delta) {
  const std::string t = tx.pq().quote(type);
  const std::string current = "COALESCE((reaction_counts->>" + t + ")::int, 0)";
  const auto row =
      tx.pq().exec1("UPDATE messages SET reaction_counts = CASE WHEN " + current + " + " + std::to_string(delta) +
               " <= 0 THEN reaction_counts - " + t + " ELSE jsonb_set(reaction_counts, ARRAY[" + t + "], to_jsonb(" +
               current + " + " + std::to_string(delta) + ")) END WHERE app_id = " + std::to_string(app_id) +
               " AND id = " + tx.pq().quote(message_id) + " RETURNING reaction_counts::text");
  return nlohmann::json::parse(row[0].c_str());
}

// One reaction change: the channel's next seq and its event, carrying the message with its new counts.
void reaction_event(storage::Tx& tx, Changes& changes, const Target& t, const char* event_type, nlohmann::json message,
                    const nlohmann::json& reaction) {
  const auto seq = next_seq(tx, t.channel.pk);
  message["own_reactions"] = nlohmann::json::array();  // an event goes to everyone
  append_event(tx, changes, t.channel.pk, seq, event_type,
               {{"type", event_type},
                {"cid", t.cid},
                {"seq", seq},
                {"message", std::move(message)},
                {"reaction", reaction},
                {"user", reaction["user"]},
                {"created_at", reaction["updated_at"]}});
}

}  // namespace

void attach_reactions(storage::Tx& tx, std::int64_t app_id, const std::string& user_id,
                      nlohmann::json& messages) {
  std::vector<nlohmann::json*> list;
  if (messages.is_object()) {
    list.push_back(&messages);
  } else if (messages.is_array()) {
    for (auto& m : messages) list.push_back(&m);
  }
  if (list.empty()) return;
  std::string ids;
  for (const auto* m : list) ids += (ids.empty() ? "" : ", ") + tx.pq().quote((*m)["id"].get<std::string>());
  const std::string own =
      user_id.empty()
          ? std::string("'[]'")
          : "COALESCE((SELECT json_agg(json_build_object('type', r.type, 'score', r.score, 'created_at', " +
                ts("r.created_at") + ", 'updated_at', " + ts("r.updated_at") +
                ") ORDER BY r.created_at, r.type) FROM reactions r WHERE r.app_id = m.app_id AND r.message_id = m.id "
                "AND r.user_id = " +
                tx.pq().quote(user_id) + "), '[]')";
  const auto rows =
      tx.pq().exec("SELECT m.id, m.reaction_counts::text, " + own +
              "::text FROM messages m WHERE m.app_id = " + std::to_string(app_id) + " AND m.id IN (" + ids + ")");
  std::map<std::string, std::pair<nlohmann::json, nlohmann::json>> found;
  for (const auto& r : rows) {
    auto mine = nlohmann::json::parse(r[2].c_str());
    for (auto& o : mine) {
      o["message_id"] = r[0].c_str();
      o["user_id"] = user_id;
      o["user"] = {{"id", user_id}};
    }
    found[r[0].c_str()] = {nlohmann::json::parse(r[1].c_str()), std::move(mine)};
  }
  for (auto* m : list) {
    auto it = found.find((*m)["id"].get<std::string>());
    if (it == found.end()) continue;  // hard-deleted in this transaction: keep what was rendered
    (*m)["reaction_counts"] = it->second.first;
    (*m)["own_reactions"] = it->second.second;
  }
}

std::int64_t remove_user_reactions(storage::Tx& tx, Changes& changes, std::int64_t app_id, std::int64_t channel_pk,
                                   const std::string& cid, const std::string& user_id) {
  const std::string app = std::to_string(app_id);
  const std::string user = tx.pq().quote(user_id);
  // In message seq order, then by type: the events come out in a stable order.
  const auto found = tx.pq().exec("SELECT r.message_id, r.type FROM reactions r JOIN messages m ON m.app_id = r.app_id AND "
                             "m.id = r.message_id WHERE r.app_id = " + app + " AND r.user_id = " + user +
                             " AND m.channel_pk = " + std::to_string(channel_pk) + " AND m.user_id <> " + user +
                             " ORDER BY m.seq, r.type");
  Target t;
  t.channel.pk = channel_pk;
  t.cid = cid;
  std::int64_t removed_count = 0;
  for (const auto& f : found) {
    const std::string message_id = f[0].c_str();
    const std::string type = f[1].c_str();
    const auto removed = tx.pq().exec("DELETE FROM reactions WHERE app_id = " + app + " AND message_id = " +
                                 tx.pq().quote(message_id) + " AND user_id = " + user + " AND type = " + tx.pq().quote(type) +
                                 " RETURNING " + kReactionColumns);
    if (removed.empty()) continue;
    auto reaction = reaction_json(removed[0]);
    reaction["updated_at"] = now_ts(tx);
    const auto counts = change_count(tx, app_id, message_id, type, -1);
    auto message = read_message(tx.pq().exec1("SELECT " + kMessageColumns + " FROM messages m WHERE m.app_id = " + app +
                                         " AND m.id = " + tx.pq().quote(message_id)),
                                cid);
    message["reaction_counts"] = counts;
    reaction_event(tx, changes, t, "reaction.deleted", std::move(message), reaction);
    ++removed_count;
  }
  return removed_count;
}

Outcome add_reaction(Connection& c, const Caller& caller, const std::string& message_id,
                     const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("type") || !body["type"].is_string() ||
      !protocol::is_valid_message_id(body["type"].get_ref<const std::string&>()) ||
      body["type"].get_ref<const std::string&>().size() > kMaxReactionType) {
    return ApiError::invalid_request("type must match ^[A-Za-z0-9_\\-]{1,32}$", {{"field", "type"}});
  }
  const std::string type = body["type"].get<std::string>();
  int score = 1;
  if (body.contains("score") && !body["score"].is_null()) {
    if (!body["score"].is_number_integer() || body["score"].get<std::int64_t>() < 1 ||
        body["score"].get<std::int64_t>() > kMaxScore) {
      return ApiError::invalid_request("score must be an integer from 1 to 100",
                                       {{"field", "score"}, {"max", kMaxScore}});
    }
    score = body["score"].get<int>();
  }
  bool enforce_unique = false;
  if (body.contains("enforce_unique") && !body["enforce_unique"].is_null()) {
    if (!body["enforce_unique"].is_boolean()) return ApiError::invalid_request("enforce_unique must be a boolean");
    enforce_unique = body["enforce_unique"].get<bool>();
  }
  auto who = reacting_user(caller, body.value("user_id", nlohmann::json()));
  if (auto* err = std::get_if<ApiError>(&who)) return *err;
  const std::string user = std::get<std::string>(who);

  storage::Tx tx(c);
  Changes changes(caller.app_id);
  auto found = find_changeable_target(tx, caller, message_id);
  if (auto* err = std::get_if<ApiError>(&found)) return *err;
  auto& t = std::get<Target>(found);

  const std::string app = std::to_string(caller.app_id);
  const std::string key =
      "app_id = " + app + " AND message_id = " + tx.pq().quote(message_id) + " AND user_id = " + tx.pq().quote(user);
  auto message = t.message;
  message["reaction_counts"] =
      nlohmann::json::parse(tx.pq().exec1("SELECT reaction_counts::text FROM messages WHERE app_id = " + app +
                                     " AND id = " + tx.pq().quote(message_id))[0]
                                .c_str());
  if (enforce_unique) {
    // The user's other reactions on this message are replaced: each removal is a change of its own.
    for (const auto& r : tx.pq().exec("DELETE FROM reactions WHERE " + key + " AND type <> " + tx.pq().quote(type) +
                                 " RETURNING " + kReactionColumns)) {
      auto removed = reaction_json(r);
      message["reaction_counts"] = change_count(tx, caller.app_id, message_id, removed["type"].get<std::string>(), -1);
      removed["updated_at"] = now_ts(tx);
      reaction_event(tx, changes, t, "reaction.deleted", message, removed);
    }
  }
  const auto existing =
      tx.pq().exec("SELECT score FROM reactions WHERE " + key + " AND type = " + tx.pq().quote(type) + " FOR UPDATE");
  Done done = Done::created;
  pqxx::result stored;
  if (existing.empty()) {
    stored = tx.pq().exec("INSERT INTO reactions (app_id, message_id, user_id, type, score) VALUES (" + app + ", " +
                     tx.pq().quote(message_id) + ", " + tx.pq().quote(user) + ", " + tx.pq().quote(type) + ", " +
                     std::to_string(score) + ") RETURNING " + kReactionColumns);
    message["reaction_counts"] = change_count(tx, caller.app_id, message_id, type, 1);
    reaction_event(tx, changes, t, "reaction.new", message, reaction_json(stored[0]));
  } else if (existing[0][0].as<int>() != score) {
    done = Done::ok;
    stored = tx.pq().exec("UPDATE reactions SET score = " + std::to_string(score) + ", updated_at = now() WHERE " + key +
                     " AND type = " + tx.pq().quote(type) + " RETURNING " + kReactionColumns);
    reaction_event(tx, changes, t, "reaction.updated", message, reaction_json(stored[0]));
  } else {
    done = Done::ok;  // the same reaction again: no change, no seq
    stored = tx.pq().exec("SELECT " + kReactionColumns + " FROM reactions WHERE " + key + " AND type = " + tx.pq().quote(type));
  }
  auto reaction = reaction_json(stored[0]);
  attach_reactions(tx, caller.app_id, user, message);
  tx.commit();
  return committed(changes, done, {{"message", std::move(message)}, {"reaction", std::move(reaction)}});
}

Outcome delete_reaction(Connection& c, const Caller& caller, const std::string& message_id,
                        const std::string& type, const std::map<std::string, std::string>& query) {
  if (!protocol::is_valid_message_id(type) || type.size() > kMaxReactionType) {
    return ApiError::invalid_request("type must match ^[A-Za-z0-9_\\-]{1,32}$", {{"field", "type"}});
  }
  auto q = query.find("user_id");
  auto who = reacting_user(caller, q == query.end() ? nlohmann::json() : nlohmann::json(q->second));
  if (auto* err = std::get_if<ApiError>(&who)) return *err;
  const std::string user = std::get<std::string>(who);

  storage::Tx tx(c);
  Changes changes(caller.app_id);
  auto found = find_changeable_target(tx, caller, message_id);
  if (auto* err = std::get_if<ApiError>(&found)) return *err;
  auto& t = std::get<Target>(found);
  const auto removed = tx.pq().exec("DELETE FROM reactions WHERE app_id = " + std::to_string(caller.app_id) +
                               " AND message_id = " + tx.pq().quote(message_id) + " AND user_id = " + tx.pq().quote(user) +
                               " AND type = " + tx.pq().quote(type) + " RETURNING " + kReactionColumns);
  if (removed.empty()) return ApiError::not_found("no reaction " + type + " of " + user + " on message " + message_id);
  auto reaction = reaction_json(removed[0]);
  reaction["updated_at"] = now_ts(tx);
  auto message = t.message;
  message["reaction_counts"] = change_count(tx, caller.app_id, message_id, type, -1);
  reaction_event(tx, changes, t, "reaction.deleted", message, reaction);
  attach_reactions(tx, caller.app_id, user, message);
  tx.commit();
  return committed(changes, Done::ok, {{"message", std::move(message)}, {"reaction", std::move(reaction)}});
}

Outcome list_replies(Connection& c, const Caller& caller, const std::string& message_id,
                     const std::map<std::string, std::string>& query) {
  SeqPage bounds;
  if (auto bad = parse_seq_page(query, bounds)) return *bad;
  storage::Tx tx(c, storage::TxKind::read);
  auto found = find_target(tx, caller, message_id, false);
  if (auto* err = std::get_if<ApiError>(&found)) return *err;
  auto& t = std::get<Target>(found);
  if (auto denied = authorize(tx, caller, t.type, t.channel, kReadChannel)) return *denied;
  const std::string where = "m.app_id = " + std::to_string(caller.app_id) + " AND m.parent_id = " +
                            tx.pq().quote(message_id) + " AND m.channel_pk = " + std::to_string(t.channel.pk);
  auto page = message_page(tx, where, t.cid, bounds);  // like channel history
  attach_reactions(tx, caller.app_id, caller.user_id, page["messages"]);
  return Reply{Done::ok, std::move(page)};
}

}  // namespace parley::chat
