// WriteCoalescer under a real Beast websocket::stream over a real TCP connection on 127.0.0.1:
// the server side writes through websocket::stream<WriteCoalescer<beast::tcp_stream>>, the peer is
// a plain Beast websocket client. One io_context runs both ends.
#include "parley/ws/write_coalescer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using parley::ws::WriteCoalescer;
using ServerWs = websocket::stream<WriteCoalescer<beast::tcp_stream>>;
using ClientWs = websocket::stream<beast::tcp_stream>;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Distinct, varied messages: a reordering, loss or corruption shows in the comparison.
std::vector<std::string> make_messages(std::size_t count, std::size_t min_size, std::size_t spread) {
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string m = "message-" + std::to_string(i) + "-";
    const std::size_t size = min_size + (i * 7919) % (spread + 1);
    while (m.size() < size) m.push_back(static_cast<char>('a' + (m.size() + i) % 26));
    out.push_back(std::move(m));
  }
  return out;
}

class WriteCoalescerTest : public ::testing::Test {
 protected:
  // Connects a TCP pair, wraps both ends and runs the websocket handshake.
  // small_buffers: tiny kernel buffers, so that a peer that does not read stalls the writer quickly.
  void connect(bool small_buffers = false) {
    tcp::acceptor acceptor(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client_socket(ioc_);
    client_socket.open(tcp::v4());
    if (small_buffers) client_socket.set_option(asio::socket_base::receive_buffer_size(8192));
    client_socket.connect(acceptor.local_endpoint());
    tcp::socket server_socket = acceptor.accept();
    if (small_buffers) server_socket.set_option(asio::socket_base::send_buffer_size(8192));
    server_.emplace(beast::tcp_stream(std::move(server_socket)));
    client_.emplace(beast::tcp_stream(std::move(client_socket)));

    bool server_done = false, client_done = false;
    beast::error_code server_ec, client_ec;
    server_->async_accept([&](beast::error_code ec) {
      server_ec = ec;
      server_done = true;
    });
    client_->async_handshake("127.0.0.1", "/", [&](beast::error_code ec) {
      client_ec = ec;
      client_done = true;
    });
    run_until([&] { return server_done && client_done; });
    ASSERT_TRUE(server_done && client_done);
    ASSERT_FALSE(server_ec) << server_ec.message();
    ASSERT_FALSE(client_ec) << client_ec.message();
    server_->text(true);
  }

  // Runs handlers until `done()`, until nothing happened for `quiet`, or for 30 s at most (the test
  // then fails on its checks).
  template <class Pred>
  void run_until(Pred done, std::chrono::milliseconds quiet = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    ioc_.restart();
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      if (ioc_.run_one_for(quiet) == 0) return;
    }
  }

  WriteCoalescer<beast::tcp_stream>& layer() { return server_->next_layer(); }

  asio::io_context ioc_;
  std::optional<ServerWs> server_;
  std::optional<ClientWs> client_;
};

// Writes `messages` back to back (each write starts when the previous one completed, like
// WsSession's write loop) and counts completions.
asio::awaitable<void> write_all(ServerWs& ws, const std::vector<std::string>& messages, std::size_t& completed,
                                beast::error_code& error, std::size_t& max_pending) {
  for (const auto& m : messages) {
    auto [ec, n] = co_await ws.async_write(asio::buffer(m), kTuple);
    if (ec) {
      error = ec;
      co_return;
    }
    ++completed;
    max_pending = std::max(max_pending, ws.next_layer().pending_bytes());
  }
}

// Reads `count` messages (or until an error) into `out`.
asio::awaitable<void> read_n(ClientWs& ws, std::size_t count, std::vector<std::string>& out, beast::error_code& error) {
  beast::flat_buffer buffer;
  while (out.size() < count) {
    auto [ec, n] = co_await ws.async_read(buffer, kTuple);
    if (ec) {
      error = ec;
      co_return;
    }
    out.push_back(beast::buffers_to_string(buffer.data()));
    buffer.consume(buffer.size());
  }
}

TEST_F(WriteCoalescerTest, ThousandMessagesArriveInOrderInFarFewerWrites) {
  connect();
  const auto messages = make_messages(1000, 20, 300);
  const std::uint64_t writes_before = layer().physical_writes();  // the handshake's 101 response
  std::size_t completed = 0, max_pending = 0;
  beast::error_code write_error, read_error;
  std::vector<std::string> received;
  asio::co_spawn(ioc_, read_n(*client_, messages.size(), received, read_error), asio::detached);
  asio::co_spawn(ioc_, write_all(*server_, messages, completed, write_error, max_pending), asio::detached);
  run_until([&] { return received.size() == messages.size() || read_error || write_error; });

  EXPECT_FALSE(write_error) << write_error.message();
  EXPECT_FALSE(read_error) << read_error.message();
  EXPECT_EQ(completed, messages.size());
  ASSERT_EQ(received.size(), messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) ASSERT_EQ(received[i], messages[i]) << "message " << i;
  const std::uint64_t writes = layer().physical_writes() - writes_before;
  std::printf("[ WriteCoalescer ] 1000 frames in %llu physical writes\n", static_cast<unsigned long long>(writes));
  EXPECT_GT(writes, 0U);
  // 1000 without coalescing; about 500 if the flush did not wait for the writer to pause (measured
  // with kMaxYields = 0); about 30 with it.
  EXPECT_LT(writes, 100U);
  EXPECT_EQ(layer().pending_bytes(), 0U);
  EXPECT_FALSE(layer().write_in_flight());
}

TEST_F(WriteCoalescerTest, LoneMessageIsSentWithoutFurtherWrites) {
  connect();
  const std::string text = R"({"type":"health.check"})";
  bool written = false;
  server_->async_write(asio::buffer(text), [&](beast::error_code ec, std::size_t n) {
    EXPECT_FALSE(ec);
    EXPECT_EQ(n, text.size());
    written = true;
  });
  std::vector<std::string> received;
  beast::error_code read_error;
  asio::co_spawn(ioc_, read_n(*client_, 1, received, read_error), asio::detached);
  run_until([&] { return written && (received.size() == 1 || read_error); });
  EXPECT_TRUE(written);
  ASSERT_EQ(received.size(), 1U) << read_error.message();
  EXPECT_EQ(received[0], text);
}

TEST_F(WriteCoalescerTest, PeerThatDoesNotReadStallsWritesAtTheBound) {
  connect(/*small_buffers=*/true);
  EXPECT_EQ(layer().max_pending(), 256U * 1024U);
  constexpr std::size_t kBound = 32 * 1024;
  layer().set_max_pending(kBound);
  const auto messages = make_messages(2000, 1024, 0);  // 2 MB: far more than the bound and the kernel buffers
  std::size_t completed = 0, max_pending = 0;
  beast::error_code write_error;
  asio::co_spawn(ioc_, write_all(*server_, messages, completed, write_error, max_pending), asio::detached);
  // The peer reads nothing: run until the writer makes no progress any more.
  run_until([] { return false; }, std::chrono::milliseconds(300));

  EXPECT_FALSE(write_error) << write_error.message();
  EXPECT_LT(completed, messages.size());  // the writer is blocked: backpressure reaches it
  EXPECT_GT(completed, 0U);
  EXPECT_LE(max_pending, kBound);
  EXPECT_LE(layer().pending_bytes(), kBound);
  // Blocked on the bound: the next 1 KiB message does not fit.
  EXPECT_GT(layer().pending_bytes() + messages[completed].size() + 4, kBound);
  EXPECT_TRUE(layer().write_in_flight());

  // Once the peer reads, everything flows again, intact and in order.
  std::vector<std::string> received;
  beast::error_code read_error;
  asio::co_spawn(ioc_, read_n(*client_, messages.size(), received, read_error), asio::detached);
  run_until([&] { return received.size() == messages.size() || read_error || write_error; });
  EXPECT_FALSE(read_error) << read_error.message();
  EXPECT_EQ(completed, messages.size());
  EXPECT_LE(max_pending, kBound);
  ASSERT_EQ(received.size(), messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) ASSERT_EQ(received[i], messages[i]) << "message " << i;
}

// The session's slow-consumer path: queued frames, then close 4008 at once; the teardown must flush
// the frames and the close frame before shutting the socket down.
TEST_F(WriteCoalescerTest, CloseAfterQueuedMessagesDeliversThemAndTheCode) {
  connect();
  const auto messages = make_messages(50, 10, 100);
  beast::error_code close_ec = asio::error::would_block;
  bool closed = false;
  auto writer = [&]() -> asio::awaitable<void> {
    for (const auto& m : messages) {
      auto [ec, n] = co_await server_->async_write(asio::buffer(m), kTuple);
      if (ec) co_return;
    }
    const websocket::close_reason reason(static_cast<std::uint16_t>(4008));
    auto [ec] = co_await server_->async_close(reason, kTuple);
    close_ec = ec;
    closed = true;
  };
  std::vector<std::string> received;
  beast::error_code read_error;
  asio::co_spawn(ioc_, read_n(*client_, messages.size() + 1, received, read_error), asio::detached);
  asio::co_spawn(ioc_, writer, asio::detached);
  run_until([&] { return closed && read_error; });

  ASSERT_EQ(received.size(), messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) EXPECT_EQ(received[i], messages[i]);
  EXPECT_EQ(read_error, websocket::error::closed) << read_error.message();
  EXPECT_EQ(client_->reason().code, 4008);
  ASSERT_TRUE(closed);
  EXPECT_FALSE(close_ec) << close_ec.message();
  EXPECT_FALSE(beast::get_lowest_layer(*server_).socket().is_open());  // torn down
  EXPECT_EQ(layer().pending_bytes(), 0U);
}

// A close started by the peer: Beast's automatic close reply goes through the layer.
TEST_F(WriteCoalescerTest, PeerCloseIsAnsweredThroughTheLayer) {
  connect();
  beast::error_code server_read_error, client_close_ec = asio::error::would_block;
  bool client_closed = false;
  std::vector<std::string> server_received;
  auto server_reader = [&]() -> asio::awaitable<void> {
    beast::flat_buffer buffer;
    auto [ec, n] = co_await server_->async_read(buffer, kTuple);
    server_read_error = ec;
  };
  asio::co_spawn(ioc_, server_reader, asio::detached);
  client_->async_close(websocket::close_code::normal, [&](beast::error_code ec) {
    client_close_ec = ec;
    client_closed = true;
  });
  run_until([&] { return client_closed && server_read_error; });
  ASSERT_TRUE(client_closed);
  EXPECT_FALSE(client_close_ec) << client_close_ec.message();  // the server's close reply arrived
  EXPECT_EQ(server_read_error, websocket::error::closed);
  EXPECT_EQ(server_->reason().code, 1000);
  EXPECT_EQ(client_->reason().code, 1000);  // echoed back by Beast through the layer
}

// Keep-alive pings (written by Beast through the layer) and the idle timeout (reaching the socket
// through next_layer()) still work.
TEST_F(WriteCoalescerTest, KeepAlivePingsAndIdleTimeoutWork) {
  connect();
  websocket::stream_base::timeout opt{};
  opt.handshake_timeout = std::chrono::seconds(5);
  opt.idle_timeout = std::chrono::milliseconds(400);
  opt.keep_alive_pings = true;
  server_->set_option(opt);
  int pings = 0;
  client_->control_callback([&](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) ++pings;
  });
  beast::error_code server_error;
  bool server_done = false;
  auto server_reader = [&]() -> asio::awaitable<void> {
    beast::flat_buffer buffer;
    auto [ec, n] = co_await server_->async_read(buffer, kTuple);
    server_error = ec;
    server_done = true;
  };
  asio::co_spawn(ioc_, server_reader, asio::detached);
  // The client reads (so it answers pings with pongs) until it has seen two pings: the connection
  // stays up meanwhile because the pongs reset the server's idle timer.
  beast::flat_buffer client_buffer;
  bool client_read_done = false;
  beast::error_code client_error;
  client_->async_read(client_buffer, [&](beast::error_code ec, std::size_t) {
    client_error = ec;
    client_read_done = true;
  });
  run_until([&] { return pings >= 2 || server_done; });
  EXPECT_GE(pings, 2);
  ASSERT_FALSE(server_done) << server_error.message();
  // A text message ends the client's read; it reads no more, so nobody answers the pings: the
  // server times out and closes the socket it reaches through next_layer().
  const std::string text = "last";
  bool written = false;
  server_->async_write(asio::buffer(text), [&](beast::error_code, std::size_t) { written = true; });
  run_until([&] { return server_done; });
  EXPECT_TRUE(written);
  EXPECT_TRUE(client_read_done);
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_EQ(beast::buffers_to_string(client_buffer.data()), text);
  ASSERT_TRUE(server_done);
  EXPECT_EQ(server_error, beast::error::timeout) << server_error.message();
  EXPECT_FALSE(beast::get_lowest_layer(*server_).socket().is_open());
}

// A physical write error is sticky: later writes and reads fail at once.
TEST_F(WriteCoalescerTest, WriteErrorEndsTheStream) {
  connect();
  // The peer vanishes with a reset (SO_LINGER 0), so the server's writes fail.
  auto& peer = beast::get_lowest_layer(*client_).socket();
  peer.set_option(asio::socket_base::linger(true, 0));
  peer.close();
  const auto messages = make_messages(2000, 512, 0);
  std::size_t completed = 0, max_pending = 0;
  beast::error_code write_error;
  asio::co_spawn(ioc_, write_all(*server_, messages, completed, write_error, max_pending), asio::detached);
  run_until([&] { return static_cast<bool>(write_error); });
  ASSERT_TRUE(write_error);
  EXPECT_LT(completed, messages.size());

  beast::error_code later_write = asio::error::would_block, later_read = asio::error::would_block;
  bool write_done = false, read_done = false;
  const std::string text = "after the error";
  layer().async_write_some(asio::buffer(text), [&](beast::error_code ec, std::size_t) {
    later_write = ec;
    write_done = true;
  });
  std::array<char, 16> buf{};
  layer().async_read_some(asio::buffer(buf), [&](beast::error_code ec, std::size_t) {
    later_read = ec;
    read_done = true;
  });
  EXPECT_FALSE(write_done);  // never completes inline
  EXPECT_FALSE(read_done);
  run_until([&] { return write_done && read_done; });
  EXPECT_TRUE(later_write);
  EXPECT_TRUE(later_read);
}

}  // namespace
