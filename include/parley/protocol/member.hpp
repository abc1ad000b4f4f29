#pragma once
// The channel member and the caller's own membership as the API shows them
// (channel states, member pages, member events, the channel list).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace parley::protocol {

/// A member of a channel.
struct Member {
  std::string user_id, role;  // role: owner, moderator or member
  std::int64_t last_read_seq = 0;
  std::string created_at;
};

/// The member object: {"user_id","role","last_read_seq","created_at"} (member pages and events).
nlohmann::json to_json(const Member& m);
/// The member as a channel state lists it under "members": {"user_id","role","created_at"}.
nlohmann::json state_member_json(const Member& m);
/// The member's read mark as a channel state lists it under "read": {"user_id","last_read_seq"}.
nlohmann::json read_mark_json(const Member& m);

/// A member's own view of a membership (channel list, hide / mute results).
struct Membership {
  std::string user_id, role;
  std::int64_t last_read_seq = 0;
  std::string created_at;
  bool muted = false;
  bool hidden = false;
};

/// The membership object: {"user_id","role","last_read_seq","created_at","muted","hidden"}.
nlohmann::json to_json(const Membership& m);

}  // namespace parley::protocol
