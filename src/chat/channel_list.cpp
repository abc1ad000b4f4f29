#include "parley/chat/channel_list.hpp"

#include "parley/chat/reactions.hpp"
#include "parley/protocol/ids.hpp"
#include "parley/storage/channel_list_repository.hpp"

#include <charconv>
#include <unordered_map>

namespace parley::chat {

using protocol::ApiError;

namespace {

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
                            std::vector<protocol::ChannelState>& states) {
  nlohmann::json all = nlohmann::json::array();
  for (auto& s : states) {
    for (auto& m : s.messages) all.push_back(std::move(m));
  }
  attach_reactions(tx, app_id, user_id, all);
  std::size_t next = 0;
  for (auto& s : states) {
    for (auto& m : s.messages) m = std::move(all[next++]);
  }
}

}  // namespace

protocol::Member to_member(const storage::MemberRecord& m) { return {m.user_id, m.role, m.read_seq, m.created_at}; }

protocol::Membership to_membership(const storage::MembershipRecord& m) {
  return {m.user_id, m.role, m.read_seq, m.created_at, m.muted, m.hidden};
}

std::vector<protocol::ChannelState> channel_states(storage::Tx& tx, const std::vector<ChannelRow>& channels) {
  std::vector<protocol::ChannelState> states;
  if (channels.empty()) return states;
  std::unordered_map<std::int64_t, std::size_t> index;
  std::vector<std::int64_t> pks;
  for (const auto& ch : channels) {
    index[ch.pk] = states.size();
    pks.push_back(ch.pk);
    protocol::ChannelState state;
    state.channel = ch.json();
    states.push_back(std::move(state));
  }
  // The first 100 members of each channel, oldest first (as channel_store's state), and the last 25
  // messages of each channel view, newest first.
  const auto rows = storage::read_channel_states_rows(tx, pks);
  for (const auto& r : rows.members) states[index.at(r.channel_pk)].members.push_back(to_member(r.member));
  std::unordered_map<std::int64_t, std::vector<nlohmann::json>> newest_first;
  for (const auto& r : rows.messages_newest_first) {
    newest_first[r.channel_pk].push_back(
        message_json(r.message, states[index.at(r.channel_pk)].channel["cid"].get<std::string>()));
  }
  for (auto& [pk, list] : newest_first) {
    auto& out = states[index.at(pk)].messages;
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
  storage::ChannelListQuery q;
  q.app_id = caller.app_id;
  q.user_id = user;
  if (!type.empty()) q.type = type;
  q.sort = sort == 'c' ? storage::ChannelListSort::created_at : storage::ChannelListSort::last_message_at;
  if (after) {
    q.after_key_us = after->first;
    q.after_pk = after->second;
  }
  q.rows = limit + 1;
  const auto rows = storage::list_member_channels(tx, q);
  std::vector<ChannelRow> page;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i) page.push_back(channel_row(rows[i].channel));
  auto states = channel_states(tx, page);
  attach_state_reactions(tx, caller.app_id, user, states);
  std::vector<protocol::ChannelListEntry> channels;
  for (std::size_t i = 0; i < states.size(); ++i) {
    channels.push_back({std::move(states[i]), rows[i].unread_count, to_membership(rows[i].membership)});
  }
  std::optional<std::string> next;
  if (rows.size() > static_cast<std::size_t>(limit)) {
    const auto& last = rows[static_cast<std::size_t>(limit) - 1];
    next = encode_cursor(sort, last.sort_key_us, last.channel.pk);
  }
  return Reply{Done::ok, protocol::channel_list_page(std::move(channels), next)};
}

}  // namespace parley::chat
