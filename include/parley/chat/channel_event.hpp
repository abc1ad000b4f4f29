#pragma once
// Committed channel events on their way out to watchers (fan-out), and the
// capture that collects them while a chat operation runs.
//
// append_event() (store_support) records every event it writes into the
// innermost EventCapture of the current thread. The caller that owns the
// transaction publishes the captured events only after its commit, so a
// watcher never sees an event that was rolled back. Each event's JSON is
// serialized once, when it is written, and that one buffer is what every
// watcher on every node receives.
#include "parley/realtime/channel_event.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace parley::chat {

// The event types belong to the realtime module, which carries them; chat names them here.
using realtime::ChannelEvent;
using realtime::EventPublisher;

/// Collects the events appended on this thread while it lives (innermost capture wins).
class EventCapture {
 public:
  explicit EventCapture(std::int64_t app_id);
  ~EventCapture();
  EventCapture(const EventCapture&) = delete;
  EventCapture& operator=(const EventCapture&) = delete;

  /// The capture events go to on this thread, or null.
  static EventCapture* current();
  void record(const std::string& cid, std::int64_t seq, std::string frame);
  /// The same frame for many targets (one buffer shared by all).
  void record(const std::string& cid, std::int64_t seq, std::shared_ptr<const std::string> frame);
  std::vector<ChannelEvent> take() { return std::move(events_); }

 private:
  std::int64_t app_id_;
  EventCapture* outer_;
  std::vector<ChannelEvent> events_;
};

/// Control events for open connections travel the same way as channel events, on pseudo-cids that
/// no channel can have ('@' is not allowed in channel types): "@user:<id>" for one user's
/// connections and "@app" for every user connection of the app.
std::string user_control_cid(const std::string& user_id);
inline constexpr const char* kAppControlCid = "@app";

/// Records in the current capture (published after the commit) that open connections must
/// re-check their token: of `user_id` (empty: every user of the app); with `before_s`, tokens
/// issued before it (or without iat) are revoked; without, the user is deactivated or deleted.
/// Those connections close with 4001.
void record_access_revoked(const std::string& user_id, std::optional<std::int64_t> before_s);

/// Most members a message notifies (notification.message_new); larger channels notify nobody.
inline constexpr int kMaxNotifiedMembers = 1000;

}  // namespace parley::chat
