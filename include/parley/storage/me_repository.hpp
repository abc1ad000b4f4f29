#pragma once
// What GET /v1/me and connection.ok show of a user: the user row and the
// unread totals over the user's memberships, by the one unread rule (messages
// from others above the read mark, not silent, not deleted, not thread-only;
// muted and deleted channels do not count; at most 1000 per channel).
#include "parley/storage/tx.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace parley::storage {

struct UnreadTotals {
  long long total_unread_count = 0;
  int unread_channels = 0;
};

struct UserProfile {
  std::string id;
  std::optional<std::string> name, image;
  std::string role;
  std::string custom_json;
};

struct MeRecord {
  std::optional<UserProfile> user;  // none when the user has no row (a token for an unknown user id)
  UnreadTotals unread;
};

/// The user and the unread totals in one statement (one snapshot, one round trip; no transaction needed).
MeRecord read_me_record(Tx& tx, std::int64_t app_id, const std::string& user_id);

/// The unread totals alone.
UnreadTotals read_unread_totals(Tx& tx, std::int64_t app_id, const std::string& user_id);

}  // namespace parley::storage
