// The event log envelopes: stored events are passed through unchanged inside their page, sync result and watch snapshot.
#include "parley/protocol/event_page.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

const std::string kEvent1 = R"({"type":"message.new","cid":"messaging:g","seq":5,"message":{"id":"m"}})";
const std::string kEvent2 = R"({"type":"reaction.new","cid":"messaging:g","seq":6})";

}  // namespace

TEST(ProtocolEventPage, RendersAPageOfStoredEvents) {
  parley::protocol::EventPage page{{kEvent1, kEvent2}, true};
  EXPECT_EQ(parley::protocol::to_json(page),
            nlohmann::json({{"events", {nlohmann::json::parse(kEvent1), nlohmann::json::parse(kEvent2)}},
                            {"has_more", true}}));
  EXPECT_EQ(parley::protocol::to_json(parley::protocol::EventPage{}),
            nlohmann::json({{"events", nlohmann::json::array()}, {"has_more", false}}));
}

TEST(ProtocolEventPage, RendersASyncResultPerChannel) {
  parley::protocol::SyncChannels channels;
  channels.emplace_back("messaging:g", parley::protocol::EventPage{{kEvent2}, false});
  const auto missing = parley::protocol::ApiError::not_found("no channel messaging:x");
  channels.emplace_back("messaging:x", missing);
  EXPECT_EQ(parley::protocol::sync_result(channels),
            nlohmann::json({{"channels",
                             {{"messaging:g", {{"events", {nlohmann::json::parse(kEvent2)}}, {"has_more", false}}},
                              {"messaging:x", missing.to_json()}}}}));
}

TEST(ProtocolEventPage, RendersTheWatchSnapshot) {
  parley::protocol::WatchSnapshot s;
  s.state = {{"channel", {{"cid", "messaging:g"}, {"last_seq", 6}}}, {"members", nlohmann::json::array()}};
  s.last_seq = 6;
  s.events_json = {kEvent1, kEvent2};
  s.switches = {{"typing_events", true}};
  s.read_needs_membership = false;
  const auto state = s.state;
  EXPECT_EQ(parley::protocol::watch_snapshot(s),
            nlohmann::json({{"state", state},
                            {"last_seq", 6},
                            {"recovered", true},
                            {"events", {nlohmann::json::parse(kEvent1), nlohmann::json::parse(kEvent2)}},
                            {"switches", {{"typing_events", true}}},
                            {"read_needs_membership", false}}));
  s.recovered = false;
  s.events_json.clear();
  EXPECT_EQ(parley::protocol::watch_snapshot(s)["events"], nlohmann::json::array());
  EXPECT_EQ(parley::protocol::watch_snapshot(s)["recovered"], false);
}
