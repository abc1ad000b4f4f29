#pragma once
// The repository of group-committed sends (migrations/0008_send_batch.sql):
// one statement stores every send of a batch, one more stores their events.
// Synchronous; runs inside the caller's transaction on a DbPool worker.
#include "parley/storage/message_row.hpp"

#include <nlohmann/json.hpp>
#include "parley/storage/tx.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::storage {

/// One validated send, with what the caller decided from the cached channel type.
struct SendItem {
  std::int64_t app_id = 0;
  std::string type, channel_id;
  std::string caller_user;  // "" for a server token
  bool moderator = false;   // server or app admin: frozen channels and slow mode do not apply
  std::vector<std::string> allowed_roles;  // channel roles that may send ("" = a non-member)
  bool switch_error = false;               // refused by a channel type switch (reported in order)
  std::string msg_id, user_id, text;
  nlohmann::json attachments = nlohmann::json::array(), mentioned_users = nlohmann::json::array(),
                 custom = nlohmann::json::object();
  std::optional<std::string> parent_id;
  bool show_in_channel = false, silent = false;
  std::string content_hash;
  bool notify = false;  // list the members to notify (notification.message_new)
};

enum class SendCode { ok, existing, no_channel, forbidden, conflict, frozen, cooldown, switch_refused, bad_parent };

struct SendResult {
  SendCode code = SendCode::ok;
  std::int64_t retry_after_s = 0;  // cooldown
  int cooldown_s = 0;              // cooldown
  std::string cid;                 // of the stored message (ok, existing)
  std::int64_t channel_pk = 0;
  std::optional<MessageRow> message;       // ok, existing
  std::vector<std::string> notify_members;  // ok with notify: up to 1001 members
};

/// Stores the sends (already in lock order); one result per item, in order.
std::vector<SendResult> store_sends(Tx& tx, const std::vector<SendItem>& items);

struct EventRow {
  std::int64_t channel_pk = 0;
  std::int64_t seq = 0;
  std::string type;
  const std::string* payload = nullptr;  // the event's JSON text, as sent to clients
};

/// Appends channel events in one statement.
void insert_events(Tx& tx, const std::vector<EventRow>& events);

}  // namespace parley::storage
