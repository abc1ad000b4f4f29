#include "parley/chat/channel_list.hpp"

#include "parley/chat/reactions.hpp"
#include "parley/chat/read_state.hpp"
#include "parley/protocol/ids.hpp"

#include <pqxx/pqxx>

#include <charconv>
#include <unordered_map>

namespace parley::chat {

using protocol::ApiError;

namespace {

constexpr int kStateMembers = 100;
constexpr int kStateMessages = 25;

// A member has hidden the channel and no message of the channel view arrived since.
const std::string kHiddenNow =
    "(mb.hidden_seq IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages hm WHERE hm.channel_pk = mb.channel_pk "
    "AND hm.seq > mb.hidden_seq AND (hm.parent_id IS NULL OR hm.show_in_channel)))";

std::string pk_array(const std::vector<ChannelRow>& channels) {
  std::string out = "'{";
  for (std::size_t i = 0; i < channels.size(); ++i) out += (i ? "," : "") + std::to_string(channels[i].pk);
  return out + "}'::bigint[]";
}

// Cursor: hex of "<sort letter>:<sort key in epoch microseconds>:<pk>", opaque to clients.
std::string encode_cursor(char sort, std::int64_t key_us, std::int64_t pk) {
  const std::string raw = std::string(1, sort) + ":" + std::to_string(key_us) + ":" + std::to_string(pk);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char ch : raw) {
    out += kHex[ch >> 4];
    out += kHex[ch & 0xF];
  }
  return out;
}

bool parse_i64(std::string_view s, std::int64_t& v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

std::optional<std::pair<std::int64_t, std::int64_t>> decode_cursor(const std::string& hex, char sort) {
  if (hex.empty() || hex.size() % 2 != 0 || hex.size() > 128) return std::nullopt;
  std::string raw;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int v = 0;
    auto [p, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
    if (ec != std::errc() || p != hex.data() + i + 2) return std::nullopt;
    raw += static_cast<char>(v);
  }
  const auto a = raw.find(':');
  const auto b = raw.find(':', a == std::string::npos ? 0 : a + 1);
  if (a != 1 || b == std::string::npos || raw[0] != sort) return std::nullopt;
  std::int64_t key = 0, pk = 0;
  if (!parse_i64(std::string_view(raw).substr(2, b - 2), key) || !parse_i64(std::string_view(raw).substr(b + 1), pk) ||
      pk < 1) {
    return std::nullopt;
  }
  return std::make_pair(key, pk);
}

// reaction_counts and the listing user's own_reactions of every message of the page, in one query.
void attach_state_reactions(storage::Tx& tx, std::int64_t app_id, const std::string& user_id,
                            std::vector<nlohmann::json>& states) {
  nlohmann::json all = nlohmann::json::array();
  for (auto& s : states) {
    for (auto& m : s["messages"]) all.push_back(std::move(m));
  }
  attach_reactions(tx, app_id, user_id, all);
  std::size_t next = 0;
  for (auto& s : states) {
    for (auto& m : s["messages"]) m = std::move(all[next++]);
  }
}

}  // namespace

const std::string kMembershipColumns = "mb.user_id, mb.role, mb.read_seq, " + ts("mb.created_at") + ", mb.muted, " +
                                       kHiddenNow;

nlohmann::json membership_json(const pqxx::row& r, int offset) {
  const auto at = [&](int i) { return r[offset + i]; };
  return {{"user_id", at(0).c_str()},      {"role", at(1).c_str()},   {"last_read_seq", at(2).as<std::int64_t>()},
          {"created_at", at(3).c_str()},   {"muted", at(4).as<bool>()}, {"hidden", at(5).as<bool>()}};
}

std::vector<nlohmann::json> channel_states(storage::Tx& tx, const std::vector<ChannelRow>& channels) {
  std::vector<nlohmann::json> states;
  if (channels.empty()) return states;
  std::unordered_map<std::int64_t, std::size_t> index;
  for (const auto& ch : channels) {
    index[ch.pk] = states.size();
    states.push_back({{"channel", ch.json},
                      {"members", nlohmann::json::array()},
                      {"messages", nlohmann::json::array()},
                      {"read", nlohmann::json::array()}});
  }
  const std::string pks = pk_array(channels);
  // The first 100 members of each channel, oldest first (as channel_store's state).
  const auto members = tx.pq().exec("SELECT channel_pk, user_id, role, read_seq, " + ts("created_at") +
                               " FROM (SELECT mm.*, row_number() OVER (PARTITION BY mm.channel_pk ORDER BY "
                               "mm.created_at, mm.user_id) AS rn FROM members mm WHERE mm.channel_pk = ANY(" +
                               pks + ")) ranked WHERE rn <= " + std::to_string(kStateMembers) +
                               " ORDER BY channel_pk, created_at, user_id");
  for (const auto& r : members) {
    auto& s = states[index.at(r[0].as<std::int64_t>())];
    s["members"].push_back({{"user_id", r[1].c_str()}, {"role", r[2].c_str()}, {"created_at", r[4].c_str()}});
    s["read"].push_back({{"user_id", r[1].c_str()}, {"last_read_seq", r[3].as<std::int64_t>()}});
  }
  // The last 25 messages of each channel view: one index range scan per channel, newest first.
  const auto messages = tx.pq().exec("SELECT last.* FROM unnest(" + pks +
                                ") AS p(pk) CROSS JOIN LATERAL (SELECT " + kMessageColumns +
                                ", m.channel_pk AS in_channel FROM messages m WHERE m.channel_pk = p.pk AND "
                                "(m.parent_id IS NULL OR m.show_in_channel) ORDER BY m.seq DESC LIMIT " +
                                std::to_string(kStateMessages) + ") last");
  std::unordered_map<std::int64_t, std::vector<nlohmann::json>> newest_first;
  for (const auto& r : messages) {
    const auto pk = r[17].as<std::int64_t>();
    newest_first[pk].push_back(read_message(r, states[index.at(pk)]["channel"]["cid"].get<std::string>()));
  }
  for (auto& [pk, list] : newest_first) {
    auto& out = states[index.at(pk)]["messages"];
    for (auto it = list.rbegin(); it != list.rend(); ++it) out.push_back(std::move(*it));
  }
  return states;
}

Outcome list_channels(Connection& c, const Caller& caller, const std::map<std::string, std::string>& query) {
  std::optional<ApiError> bad;
  const int limit = parse_limit(query, kChannelListDefault, kChannelListMax, bad);
  if (bad) return *bad;
  std::string type;
  if (auto it = query.find("type"); it != query.end()) {
    if (!protocol::is_valid_channel_type(it->second)) return ApiError::invalid_request("invalid channel type");
    type = it->second;
  }
  char sort = 'l';
  if (auto it = query.find("sort"); it != query.end()) {
    if (it->second == "created_at") {
      sort = 'c';
    } else if (it->second != "last_message_at") {
      return ApiError::invalid_request("sort must be last_message_at or created_at");
    }
  }
  // Whose channels: a user lists their own; a server token names the user (member=<user_id>).
  std::string user;
  const auto member = query.find("member");
  if (caller.server) {
    if (member == query.end() || member->second == "me" || !protocol::is_valid_user_id(member->second)) {
      return ApiError::invalid_request("a server token lists the channels of one user: give member=<user_id>");
    }
    user = member->second;
  } else {
    if (member != query.end() && member->second != "me" && member->second != caller.user_id) {
      if (!protocol::is_valid_user_id(member->second)) return ApiError::invalid_request("member must be me or a user id");
      return ApiError::forbidden("a user lists only their own channels (member=me)");
    }
    user = caller.user_id;
  }
  std::optional<std::pair<std::int64_t, std::int64_t>> after;
  if (auto it = query.find("next"); it != query.end() && !it->second.empty()) {
    after = decode_cursor(it->second, sort);
    if (!after) return ApiError::invalid_request("next is not a cursor of this list");
  }

  storage::Tx tx(c, storage::TxKind::read);
  const std::string app = std::to_string(caller.app_id);
  const std::string u = tx.pq().quote(user);
  // Channels without messages sort by their creation time under last_message_at.
  const std::string key = sort == 'c' ? "c.created_at" : "COALESCE(c.last_message_at, c.created_at)";
  const std::string key_us = "(extract(epoch FROM " + key + ") * 1000000)::bigint";
  std::string where = "mb.app_id = " + app + " AND mb.user_id = " + u + " AND c.app_id = " + app +
                      " AND c.deleted_at IS NULL AND NOT " + kHiddenNow;
  if (!type.empty()) where += " AND c.type = " + tx.pq().quote(type);
  if (after) {
    where += " AND (" + key_us + ", c.pk) < (" + std::to_string(after->first) + ", " + std::to_string(after->second) +
             ")";
  }
  // The page first, then the unread counts of that page only (each bounded by kUnreadCap).
  const auto rows = tx.pq().exec("SELECT page.*, " + unread_count_sql("page.pk", "page.read_seq", u) + " FROM (SELECT " +
                            channel_columns("c") + ", " + key_us + " AS sort_us, " + kMembershipColumns +
                            " FROM members mb JOIN channels c ON c.pk = mb.channel_pk WHERE " + where + " ORDER BY " +
                            key_us + " DESC, c.pk DESC LIMIT " + std::to_string(limit + 1) + ") page");
  // Columns: channel (12), sort_us, membership (6: user_id, role, read_seq, ...), unread count.
  constexpr int kSortCol = kChannelColumnCount;
  constexpr int kMemberCol = kSortCol + 1;
  constexpr int kUnreadCol = kMemberCol + 6;
  std::vector<ChannelRow> page;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i) page.push_back(read_channel(rows[i]));
  auto states = channel_states(tx, page);
  attach_state_reactions(tx, caller.app_id, user, states);
  nlohmann::json channels = nlohmann::json::array();
  for (std::size_t i = 0; i < states.size(); ++i) {
    states[i]["unread_count"] = rows[i][kUnreadCol].as<int>();
    states[i]["membership"] = membership_json(rows[i], kMemberCol);
    channels.push_back(std::move(states[i]));
  }
  nlohmann::json next = nullptr;
  if (rows.size() > static_cast<std::size_t>(limit)) {
    const auto& last = rows[static_cast<std::size_t>(limit) - 1];
    next = encode_cursor(sort, last[kSortCol].as<std::int64_t>(), last[0].as<std::int64_t>());
  }
  return Reply{Done::ok, {{"channels", std::move(channels)}, {"next", std::move(next)}}};
}

}  // namespace parley::chat
