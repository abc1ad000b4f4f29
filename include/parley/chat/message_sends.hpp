#pragma once
// The database part of group-committed sends: each send is checked against
// the cached channel type (grants, switches) here, stored with the others of
// its batch by one statement (storage::store_sends), rendered once, and its
// events appended by one more statement. Synchronous; runs on a DbPool worker
// inside the batch's transaction, which the caller commits.
#include "parley/chat/channel_event.hpp"
#include "parley/chat/message_rules.hpp"
#include "parley/chat/outcome.hpp"


#include <vector>

namespace parley::chat {

/// One validated send (see prepare_send).
struct SendRequest {
  Caller caller;
  std::string type;
  std::string id;
  MessageDraft draft;
};

/// Stores `sends` (sorted into one lock order by the caller) in `tx`; one Outcome per send, in order.
/// The events of accepted sends are appended to `committed`, to publish after the commit.
/// Throws what PostgreSQL throws: then nothing of the batch may be committed.
std::vector<Outcome> store_sends(storage::Tx& tx, const std::vector<const SendRequest*>& sends,
                                 std::vector<ChannelEvent>& committed);

}  // namespace parley::chat
