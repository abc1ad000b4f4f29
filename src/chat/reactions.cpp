#include "parley/chat/reactions.hpp"

#include "parley/chat/channel_types.hpp"
#include "parley/chat/store_support.hpp"
#include "parley/protocol/ids.hpp"
#include "parley/protocol/message_events.hpp"
#include "parley/storage/message_repository.hpp"
#include "parley/storage/reaction_repository.hpp"

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
  protocol::Message message;
};

// The message and its channel, in the caller's app (the channel locked FOR UPDATE for a change).
std::variant<Target, ApiError> find_target(storage::Tx& tx, const Caller& caller, const std::string& id,
                                           bool for_update) {
  if (!protocol::is_valid_message_id(id)) return ApiError::invalid_request("invalid message id");
  const auto where = storage::find_message_channel(tx, caller.app_id, id);
  if (!where) return ApiError::not_found("no message " + id);
  Target t;
  t.type = where->type;
  const std::string channel_id = where->id;
  t.cid = t.type + ":" + channel_id;
  auto ch = find_channel(tx, caller.app_id, t.type, channel_id, for_update);
  if (!ch) return ApiError::not_found("no message " + id);
  t.channel = std::move(*ch);
  // Re-read after the lock: a concurrent change may have committed in between.
  const auto row = storage::find_message_row(tx, caller.app_id, id);
  if (!row) return ApiError::not_found("no message " + id);
  t.message = to_message(*row, t.cid);
  return t;
}

// Permission, switch, frozen channel and deleted message: what every reaction change checks, in that order.
std::optional<ApiError> check_reaction_change(storage::Tx& tx, const Caller& caller, const Target& t) {
  if (auto denied = authorize(tx, caller, t.type, t.channel, kAddReaction)) return denied;
  if (auto off = check_switch_on(tx, caller.app_id, t.type, "reactions")) return off;
  if (auto refused = check_frozen_and_cooldown(tx, caller, t.channel); refused && refused->code == "channel_frozen") {
    return refused;
  }
  if (t.message.deleted_at) return ApiError::invalid_request("a deleted message takes no reactions");
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

protocol::Reaction to_reaction(const storage::ReactionRow& r) {
  return {r.message_id, r.user_id, r.type, r.score, r.created_at, r.updated_at};
}

// A removed reaction: updated_at is the time of its removal.
protocol::Reaction removed_reaction(storage::Tx& tx, const storage::ReactionRow& r) {
  auto reaction = to_reaction(r);
  reaction.updated_at = now_ts(tx);
  return reaction;
}

// One reaction change: the channel's next seq and its event, carrying the message with its new counts.
void reaction_event(storage::Tx& tx, Changes& changes, const Target& t, const char* event_type,
                    protocol::Message message, const protocol::Reaction& reaction) {
  const auto seq = next_seq(tx, t.channel.pk);
  message.own_reactions_json = "[]";  // an event goes to everyone
  append_event(tx, changes, t.channel.pk, seq, event_type,
               protocol::reaction_event(event_type, t.cid, seq, message, reaction));
}

// The counts and `user_id`'s own reactions (JSON text) of those of `ids` that exist, by message id.
std::map<std::string, std::pair<std::string, std::string>> read_reactions(storage::Tx& tx, std::int64_t app_id,
                                                                          const std::vector<std::string>& ids,
                                                                          const std::string& user_id) {
  std::map<std::string, std::pair<std::string, std::string>> found;
  for (auto& r : storage::read_message_reactions(tx, app_id, ids, user_id)) {
    // Stored as [{"type","score","created_at","updated_at"}]: shown as reaction objects.
    std::vector<protocol::Reaction> mine;
    for (const auto& o : nlohmann::json::parse(r.own_reactions_json)) {
      mine.push_back({r.message_id, user_id, o.at("type").get<std::string>(), o.at("score").get<int>(),
                      o.at("created_at").get<std::string>(), o.at("updated_at").get<std::string>()});
    }
    found[r.message_id] = {std::move(r.reaction_counts_json), protocol::reactions_json(mine)};
  }
  return found;
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
  std::vector<std::string> ids;
  ids.reserve(list.size());
  for (const auto* m : list) ids.push_back((*m)["id"].get<std::string>());
  const auto found = read_reactions(tx, app_id, ids, user_id);
  for (auto* m : list) {
    auto it = found.find((*m)["id"].get<std::string>());
    if (it == found.end()) continue;  // hard-deleted in this transaction: keep what was rendered
    protocol::set_reactions(*m, it->second.first, it->second.second);
  }
}

void attach_reactions(storage::Tx& tx, std::int64_t app_id, const std::string& user_id,
                      std::vector<protocol::Message>& messages) {
  if (messages.empty()) return;
  std::vector<std::string> ids;
  ids.reserve(messages.size());
  for (const auto& m : messages) ids.push_back(m.id);
  auto found = read_reactions(tx, app_id, ids, user_id);
  for (auto& m : messages) {
    auto it = found.find(m.id);
    if (it == found.end()) continue;  // hard-deleted in this transaction: keep what was rendered
    m.reaction_counts_json = std::move(it->second.first);
    m.own_reactions_json = std::move(it->second.second);
  }
}

void attach_reactions(storage::Tx& tx, std::int64_t app_id, const std::string& user_id, protocol::Message& message) {
  const auto found = read_reactions(tx, app_id, {message.id}, user_id);
  if (auto it = found.find(message.id); it != found.end()) {
    message.reaction_counts_json = it->second.first;
    message.own_reactions_json = it->second.second;
  }
}

std::int64_t remove_user_reactions(storage::Tx& tx, Changes& changes, std::int64_t app_id, std::int64_t channel_pk,
                                   const std::string& cid, const std::string& user_id) {
  // In message seq order, then by type: the events come out in a stable order.
  const auto found = storage::user_reactions_on_others(tx, app_id, channel_pk, user_id);
  Target t;
  t.channel.pk = channel_pk;
  t.cid = cid;
  std::int64_t removed_count = 0;
  for (const auto& f : found) {
    const std::string& message_id = f.message_id;
    const std::string& type = f.type;
    const auto removed = storage::delete_reaction_row(tx, app_id, message_id, user_id, type);
    if (!removed) continue;
    const auto reaction = removed_reaction(tx, *removed);
    auto counts = storage::change_reaction_count(tx, app_id, message_id, type, -1);
    auto message = to_message(storage::get_message_row(tx, app_id, message_id), cid);
    message.reaction_counts_json = std::move(counts);
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

  auto message = t.message;
  message.reaction_counts_json = storage::read_reaction_counts(tx, caller.app_id, message_id);
  if (enforce_unique) {
    // The user's other reactions on this message are replaced: each removal is a change of its own.
    for (const auto& r : storage::delete_other_reactions(tx, caller.app_id, message_id, user, type)) {
      message.reaction_counts_json = storage::change_reaction_count(tx, caller.app_id, message_id, r.type, -1);
      reaction_event(tx, changes, t, "reaction.deleted", message, removed_reaction(tx, r));
    }
  }
  const auto existing = storage::lock_reaction_score(tx, caller.app_id, message_id, user, type);
  Done done = Done::created;
  storage::ReactionRow stored;
  if (!existing) {
    stored = storage::insert_reaction(tx, caller.app_id, message_id, user, type, score);
    message.reaction_counts_json = storage::change_reaction_count(tx, caller.app_id, message_id, type, 1);
    reaction_event(tx, changes, t, "reaction.new", message, to_reaction(stored));
  } else if (*existing != score) {
    done = Done::ok;
    stored = storage::update_reaction_score(tx, caller.app_id, message_id, user, type, score);
    reaction_event(tx, changes, t, "reaction.updated", message, to_reaction(stored));
  } else {
    done = Done::ok;  // the same reaction again: no change, no seq
    stored = storage::get_reaction(tx, caller.app_id, message_id, user, type);
  }
  attach_reactions(tx, caller.app_id, user, message);
  tx.commit();
  return committed(changes, done, protocol::reaction_result(message, to_reaction(stored)));
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
  const auto removed = storage::delete_reaction_row(tx, caller.app_id, message_id, user, type);
  if (!removed) return ApiError::not_found("no reaction " + type + " of " + user + " on message " + message_id);
  const auto reaction = removed_reaction(tx, *removed);
  auto message = t.message;
  message.reaction_counts_json = storage::change_reaction_count(tx, caller.app_id, message_id, type, -1);
  reaction_event(tx, changes, t, "reaction.deleted", message, reaction);
  attach_reactions(tx, caller.app_id, user, message);
  tx.commit();
  return committed(changes, Done::ok, protocol::reaction_result(message, reaction));
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
  // A page like channel history: the newest unless after_seq, ascending by seq.
  const auto replies = storage::read_replies(tx, caller.app_id, t.channel.pk, message_id, bounds.before_seq,
                                             bounds.after_seq, bounds.limit);
  std::vector<protocol::Message> messages;
  messages.reserve(replies.messages.size());
  for (const auto& row : replies.messages) messages.push_back(to_message(row, t.cid));
  attach_reactions(tx, caller.app_id, caller.user_id, messages);
  return Reply{Done::ok, protocol::message_page(messages, replies.has_more)};
}

}  // namespace parley::chat
