#pragma once
// Committed channel events on their way out to watchers (fan-out), and the
// list of changes that collects them while a chat operation runs.
//
// A chat operation that changes something creates one Changes, hands it to
// every function that writes an event (append_event(), notify_*,
// record_access_revoked()), and returns what it recorded with its Reply once
// its transaction has committed; chat::Services publishes them then, so a
// watcher never sees an event that was rolled back. Each event's JSON is
// serialized once, when it is written, and that one buffer is what every
// watcher on every node receives.
#include "parley/chat/outcome.hpp"
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

/// The events one chat operation records, to publish after its commit. Passed explicitly; no thread state.
class Changes {
 public:
  explicit Changes(std::int64_t app_id) : app_id_(app_id) {}
  Changes(const Changes&) = delete;
  Changes& operator=(const Changes&) = delete;

  void record(const std::string& cid, std::int64_t seq, std::string frame);
  /// The same frame for many targets (one buffer shared by all).
  void record(const std::string& cid, std::int64_t seq, std::shared_ptr<const std::string> frame);
  std::vector<ChannelEvent> take() { return std::move(events_); }

 private:
  std::int64_t app_id_;
  std::vector<ChannelEvent> events_;
};

/// The reply of an operation that committed, with what `changes` recorded.
inline Reply committed(Changes& changes, Done done, nlohmann::json body) {
  Reply reply{done, std::move(body)};
  reply.events = changes.take();
  return reply;
}

/// Control events for open connections travel the same way as channel events, on pseudo-cids that
/// no channel can have ('@' is not allowed in channel types): "@user:<id>" for one user's
/// connections and "@app" for every user connection of the app.
std::string user_control_cid(const std::string& user_id);
inline constexpr const char* kAppControlCid = "@app";

/// Records in `changes` (published after the commit) that open connections must
/// re-check their token: of `user_id` (empty: every user of the app); with `before_s`, tokens
/// issued before it (or without iat) are revoked; without, the user is deactivated or deleted.
/// Those connections close with 4001.
void record_access_revoked(Changes& changes, const std::string& user_id, std::optional<std::int64_t> before_s);

/// Most members a message notifies (notification.message_new); larger channels notify nobody.
inline constexpr int kMaxNotifiedMembers = 1000;

}  // namespace parley::chat
