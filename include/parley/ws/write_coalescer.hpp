#pragma once
// WriteCoalescer<NextLayer>: a stream layer between a Beast websocket::stream and its transport
// (beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>) that gathers the bytes of many
// websocket frames into one physical write.
//
// Why: Beast writes one message per async_write, and a session writes its queued frames one after
// another, so without this layer every frame costs at least one send() (and one TLS record).
//
// How (one concept: a pending buffer in front of a single in-flight physical write):
// - async_write_some(buffers) copies the bytes into `pending` and completes at once (always posted
//   through the caller's executor, never inline), reporting every byte written. Beast therefore sees
//   each frame "sent" immediately and the session hands over its next frame.
// - One physical write (asio::async_write of the whole batch on the next layer) is in flight at a
//   time. Bytes arriving meanwhile wait in `pending`; when the write finishes, they all go in the
//   next one.
// - When nothing is in flight, the first bytes do not leave at once: a flush is posted. While the
//   writer is still producing (a completion we posted has not run yet, so its continuation is about
//   to write again) the flush yields one more turn of the executor, at most kMaxYields times and
//   only below kFlushBytes; a writer that sends frames back to back thus fills one batch, and a lone
//   frame leaves after one turn. (Asio writes speculatively at initiation, so starting the write
//   inline would send one frame per syscall again.)
// - Backpressure: `pending` is bounded (max_pending, 256 KiB by default). A write that does not fit
//   completes only after the in-flight write finished and its bytes fit (a single write larger than
//   the bound is taken alone, into an empty `pending`). So a client that does not read stalls the
//   session's write loop, its bounded queue fills and the session closes it with 4008, as before;
//   memory per connection stays below 2 x max_pending.
// - A physical write error is sticky: every later write and read completes with it, and the socket
//   is closed so that a read already pending ends too (the session then ends).
// - Teardown (Beast's close handshake and its error paths call async_teardown, found by ADL): first
//   every pending byte is written (the close frame is among them), then the next layer's teardown
//   runs (TCP shutdown, or TLS close_notify then TCP).
// - Destruction with bytes still unsent (the connection ended without a close) closes the socket;
//   the state (buffers, and the transport an in-flight write uses) is shared with the in-flight
//   operations, so it lives until they complete.
// - Timeouts and keep-alive pings keep working: Beast reaches the socket via
//   beast::get_lowest_layer(), i.e. through next_layer(); its pings, pongs and close frames are
//   ordinary writes of this layer.
//
// Threading: everything runs on the next layer's executor (the connection's single-threaded
// io_context), like the websocket stream above it; no locks. Async only (no sync read/write).
// Owned by the websocket::stream that wraps it.
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace parley::ws {

template <class NextLayer>
class WriteCoalescer {
 public:
  using next_layer_type = NextLayer;
  using executor_type = boost::beast::executor_type<NextLayer>;

  /// Default bound of the pending buffer.
  static constexpr std::size_t kDefaultMaxPending = 256 * 1024;
  /// A batch this large is written without waiting for the writer to pause.
  static constexpr std::size_t kFlushBytes = 64 * 1024;
  /// A flush waits at most this many turns of the executor for a writer that keeps writing.
  static constexpr int kMaxYields = 32;

  explicit WriteCoalescer(NextLayer&& next) : core_(std::make_shared<Core>(std::move(next))) {}
  WriteCoalescer(WriteCoalescer&&) noexcept = default;
  WriteCoalescer& operator=(WriteCoalescer&&) = delete;
  WriteCoalescer(const WriteCoalescer&) = delete;
  WriteCoalescer& operator=(const WriteCoalescer&) = delete;

  ~WriteCoalescer() {
    if (!core_) return;  // moved from
    Core& c = *core_;
    if (c.in_flight || !c.pending.empty()) {
      boost::beast::close_socket(boost::beast::get_lowest_layer(c.next));
    }
    if (!c.error) c.error = boost::asio::error::operation_aborted;
    c.pending.clear();
    c.wake.cancel();
  }

  executor_type get_executor() noexcept { return core_->next.get_executor(); }
  NextLayer& next_layer() noexcept { return core_->next; }
  const NextLayer& next_layer() const noexcept { return core_->next; }

  /// Bytes accepted but not yet handed to the transport (the bounded buffer).
  std::size_t pending_bytes() const noexcept { return core_->pending.size(); }
  /// True while a physical write is in flight.
  bool write_in_flight() const noexcept { return core_->in_flight; }
  /// Physical writes started (each one asio::async_write of a whole batch on the next layer).
  std::uint64_t physical_writes() const noexcept { return core_->writes; }
  std::size_t max_pending() const noexcept { return core_->max_pending; }
  void set_max_pending(std::size_t bytes) noexcept { core_->max_pending = bytes; }
  /// Also counts physical writes into `counter` (e.g. the server's parley_ws_writes_total); may be null.
  void set_write_counter(std::atomic<std::uint64_t>* counter) noexcept { core_->counter = counter; }

  template <class MutableBufferSequence, class ReadToken>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    return boost::asio::async_initiate<ReadToken, void(boost::beast::error_code, std::size_t)>(
        InitiateRead{core_.get()}, token, buffers);
  }

  template <class ConstBufferSequence, class WriteToken>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    return boost::asio::async_compose<WriteToken, void(boost::beast::error_code, std::size_t)>(
        WriteOp<ConstBufferSequence>{core_, buffers}, token, core_->next.get_executor());
  }

  /// Beast's close handshake: flush everything pending, then the next layer's teardown.
  template <class TeardownHandler>
  friend void async_teardown(boost::beast::role_type role, WriteCoalescer& stream, TeardownHandler&& handler) {
    boost::asio::async_compose<TeardownHandler, void(boost::beast::error_code)>(
        TeardownOp{stream.core_, role}, handler, stream.core_->next.get_executor());
  }

 private:
  using error_code = boost::beast::error_code;

  struct Core {
    explicit Core(NextLayer&& n)
        : next(std::move(n)), wake(next.get_executor(), boost::asio::steady_timer::time_point::max()) {}
    NextLayer next;
    boost::asio::steady_timer wake;  // never expires: cancel() wakes every waiter (blocked writes, teardown)
    std::string pending;             // accepted, not yet handed to the transport
    std::string writing;             // the batch of the physical write in flight
    bool in_flight = false;
    bool flush_posted = false;
    int yields = 0;
    std::size_t completions_posted = 0;  // write completions posted but not run: the writer is still busy
    error_code error;                    // the first physical write error (sticky)
    std::size_t max_pending = kDefaultMaxPending;
    std::uint64_t writes = 0;
    std::atomic<std::uint64_t>* counter = nullptr;
  };
  using CorePtr = std::shared_ptr<Core>;

  // Idle connections keep no buffer: an allocation per physical write costs far less than the
  // bytes that thousands of idle connections would hold (issue 9 item 7).
  static constexpr std::size_t kKeepCapacity = 0;

  static void start_write(const CorePtr& c) {
    c->writing.swap(c->pending);  // `writing` is empty here, so `pending` becomes empty
    c->in_flight = true;
    c->yields = 0;
    ++c->writes;
    if (c->counter != nullptr) c->counter->fetch_add(1, std::memory_order_relaxed);
    auto done = [c](error_code ec, std::size_t) { on_written(c, ec); };
    boost::asio::async_write(c->next, boost::asio::buffer(c->writing), std::move(done));
  }

  static void on_written(const CorePtr& c, error_code ec) {
    c->in_flight = false;
    if (c->writing.capacity() > kKeepCapacity) {
      std::string().swap(c->writing);
    } else {
      c->writing.clear();
    }
    if (ec) {
      if (!c->error) c->error = ec;
      c->pending.clear();
      boost::beast::close_socket(boost::beast::get_lowest_layer(c->next));
    } else if (!c->pending.empty() && !c->error) {
      if (c->pending.size() >= kFlushBytes) {
        start_write(c);
      } else {
        post_flush(c);
      }
    }
    if (c->pending.empty() && c->pending.capacity() > kKeepCapacity) std::string().swap(c->pending);
    c->wake.cancel();
  }

  static void post_flush(const CorePtr& c) {
    if (c->flush_posted) return;
    c->flush_posted = true;
    boost::asio::post(c->next.get_executor(), [c] { run_flush(c); });
  }

  static void run_flush(const CorePtr& c) {
    c->flush_posted = false;
    if (c->in_flight || c->pending.empty() || c->error) return;
    if (c->completions_posted > 0 && c->pending.size() < kFlushBytes && c->yields < kMaxYields) {
      ++c->yields;  // the writer is about to add more: let it
      post_flush(c);
      return;
    }
    start_write(c);
  }

  template <class Buffers>
  static void append(Core& c, const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::const_buffer b = *it;
      c.pending.append(static_cast<const char*>(b.data()), b.size());
    }
  }

  struct InitiateRead {
    Core* c;
    template <class Handler, class Buffers>
    void operator()(Handler&& handler, const Buffers& buffers) const {
      if (c->error) {
        boost::asio::post(c->next.get_executor(),
                          boost::beast::bind_front_handler(std::forward<Handler>(handler), c->error, std::size_t{0}));
        return;
      }
      c->next.async_read_some(buffers, std::forward<Handler>(handler));
    }
  };

  template <class Buffers>
  struct WriteOp {
    CorePtr c;
    Buffers buffers;
    enum class Step { start, waiting, posted } step = Step::start;
    error_code result{};
    std::size_t written = 0;

    template <class Self>
    void operator()(Self& self, error_code = {}) {
      Core& core = *c;
      if (step == Step::posted) {
        --core.completions_posted;
        self.complete(result, written);
        return;
      }
      if (step == Step::waiting && self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none) {
        self.complete(boost::asio::error::operation_aborted, 0);
        return;
      }
      if (core.error) return finish(self, core.error, 0);
      const std::size_t size = boost::asio::buffer_size(buffers);
      if (size == 0) return finish(self, {}, 0);
      if (!core.pending.empty() && core.pending.size() + size > core.max_pending) {
        if (core.in_flight) {  // completes once the in-flight write has finished and the bytes fit
          step = Step::waiting;
          core.wake.async_wait(std::move(self));
          return;
        }
        start_write(c);  // `pending` is now empty
      }
      append(core, buffers);
      if (!core.in_flight) {
        if (core.pending.size() >= kFlushBytes) {
          start_write(c);
        } else {
          post_flush(c);
        }
      }
      finish(self, {}, size);
    }

    template <class Self>
    void finish(Self& self, error_code ec, std::size_t n) {
      if (step == Step::waiting) {  // resumed by the timer: already not inline
        self.complete(ec, n);
        return;
      }
      step = Step::posted;
      result = ec;
      written = n;
      ++c->completions_posted;
      boost::asio::post(c->next.get_executor(), std::move(self));
    }
  };

  struct TeardownOp {
    CorePtr c;
    boost::beast::role_type role;
    bool tearing_down = false;

    template <class Self>
    void operator()(Self& self, error_code ec = {}) {
      Core& core = *c;
      if (tearing_down) {
        self.complete(ec);
        return;
      }
      if (self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none) {
        self.complete(boost::asio::error::operation_aborted);
        return;
      }
      if (!core.error && (core.in_flight || !core.pending.empty())) {
        if (!core.in_flight) start_write(c);
        core.wake.async_wait(std::move(self));
        return;
      }
      tearing_down = true;
      using boost::beast::websocket::async_teardown;
      async_teardown(role, core.next, std::move(self));
    }
  };

  CorePtr core_;
};

}  // namespace parley::ws
