// fanout_bench: WebSocket fan-out latency of running parley nodes (see bench/fanout_bench.sh).
//
// N watchers (WebSocket, round robin over the given nodes, one user each) watch one livestream
// channel; writers POST M messages through REST at a fixed rate R (message j is due at start + j/R,
// spread over the nodes and over W keep-alive connections). Each message's text carries its send
// time (steady clock of this process); each watcher records receive time minus send time. Prints
// p50/p90/p99/max of that fan-out latency over every delivery, delivered events/s, the REST send
// latency, and missing deliveries. Exit code 0 when every watcher got every message.
//
// Usage: fanout_bench --ports P1[,P2...] --api-key KEY --api-secret SECRET [--watchers N]
//        [--messages M] [--rate R] [--writers W] [--size BYTES] [--threads T] [--channel ID]
#include "parley/auth/jwt.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::vector<std::uint16_t> ports;
  std::string api_key, api_secret, channel = "fanout";
  int watchers = 100, messages = 200, writers = 8, threads = 1;
  double rate = 50;
  std::size_t size = 100;
};

struct Shared {
  Options opt;
  std::atomic<int> ready{0}, failed{0}, done{0};
  std::atomic<long> delivered{0};
  std::atomic<bool> stop{false};
  std::atomic<int> next_message{0}, sent_ok{0}, send_errors{0};
  Clock::time_point first_send{}, last_receive{};
  std::mutex mutex;  // latencies, first_send, last_receive, errors
  std::vector<double> fanout_ms, send_ms;
  std::vector<std::string> errors;
  std::unique_ptr<std::atomic<int>[]> got;  // message.new received, per watcher (to name stragglers)

  void error(const std::string& e) {
    std::lock_guard lock(mutex);
    if (errors.size() < 10) errors.push_back(e);
  }
};

long long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

std::string token_for(const Options& o, const std::string& user) {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return parley::auth::sign_token({{"user_id", user}, {"iat", now - 1}, {"exp", now + 86400}}, o.api_secret);
}

// Blocking REST call (set-up only).
int rest(std::uint16_t port, http::verb method, const std::string& target, const std::string& body,
         const std::string& token, const std::string& api_key) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set("X-Api-Key", api_key);
  req.set(http::field::authorization, "Bearer " + token);
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return res.result_int();
}

// The send time carried in a message.new frame's text: "fanout <ns> ...".
long long sent_at(std::string_view frame) {
  const auto at = frame.find("fanout ");
  if (at == std::string_view::npos) return -1;
  long long v = 0;
  for (auto i = at + 7; i < frame.size() && frame[i] >= '0' && frame[i] <= '9'; ++i) v = v * 10 + (frame[i] - '0');
  return v;
}

asio::awaitable<void> watcher(Shared& s, int index) {
  const Options& o = s.opt;
  const auto port = o.ports[static_cast<std::size_t>(index) % o.ports.size()];
  std::vector<double> latencies;
  latencies.reserve(static_cast<std::size_t>(o.messages));
  bool counted_ready = false;
  try {
    auto executor = co_await asio::this_coro::executor;
    websocket::stream<beast::tcp_stream> ws(executor);
    const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), port);
    co_await beast::get_lowest_layer(ws).async_connect(endpoint, asio::use_awaitable);
    beast::get_lowest_layer(ws).expires_never();
    const std::string user = "watcher" + std::to_string(index);
    const std::string target = "/v1/connect?api_key=" + o.api_key + "&token=" + token_for(o, user);
    const std::string host = "127.0.0.1:" + std::to_string(port);
    co_await ws.async_handshake(host, target, asio::use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, asio::use_awaitable);
    const std::string first = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    if (first.find("\"connection.ok\"") == std::string::npos) throw std::runtime_error("no connection.ok: " + first);
    const std::string watch = nlohmann::json{{"id", "w"}, {"op", "watch"}, {"channels", {{"livestream:" + o.channel, nullptr}}}}.dump();
    ws.text(true);
    co_await ws.async_write(asio::buffer(watch), asio::use_awaitable);
    for (;;) {
      co_await ws.async_read(buffer, asio::use_awaitable);
      const std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      if (text.find("\"type\":\"ack\"") == std::string::npos) continue;
      if (text.find("\"ok\":true") == std::string::npos) throw std::runtime_error("watch failed: " + text.substr(0, 300));
      break;
    }
    ++s.ready;
    counted_ready = true;
    int got = 0;
    while (got < o.messages && !s.stop) {
      co_await ws.async_read(buffer, asio::use_awaitable);
      const auto received = now_ns();
      const auto data = buffer.cdata();
      const std::string_view text(static_cast<const char*>(data.data()), data.size());
      if (text.find("\"type\":\"message.new\"") != std::string_view::npos) {
        const auto t = sent_at(text);
        if (t > 0) latencies.push_back(static_cast<double>(received - t) / 1e6);
        ++got;
        s.got[static_cast<std::size_t>(index)].store(got, std::memory_order_relaxed);
        ++s.delivered;
      }
      buffer.consume(buffer.size());
    }
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(5));
    const websocket::close_reason reason(websocket::close_code::normal);
    co_await ws.async_close(reason, asio::use_awaitable);
  } catch (const std::exception& e) {
    if (!s.stop) {
      ++s.failed;
      s.error("watcher " + std::to_string(index) + ": " + e.what());
    }
    if (!counted_ready) ++s.ready;  // do not hold the writers back
  }
  std::lock_guard lock(s.mutex);
  s.fanout_ms.insert(s.fanout_ms.end(), latencies.begin(), latencies.end());
  s.last_receive = std::max(s.last_receive, Clock::now());
  ++s.done;
}

asio::awaitable<void> writer(Shared& s, int index, Clock::time_point start) {
  const Options& o = s.opt;
  const auto port = o.ports[static_cast<std::size_t>(index) % o.ports.size()];
  try {
    auto executor = co_await asio::this_coro::executor;
    beast::tcp_stream stream(executor);
    const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), port);
    co_await stream.async_connect(endpoint, asio::use_awaitable);
    stream.expires_never();
    const std::string token = token_for(o, "writer");
    const std::string target = "/v1/channels/livestream/" + o.channel + "/messages";
    const std::string padding(o.size > 40 ? o.size - 40 : 0, 'x');
    asio::steady_timer timer(executor);
    beast::flat_buffer buffer;
    for (;;) {
      const int j = s.next_message.fetch_add(1);
      if (j >= o.messages || s.stop) break;
      const auto due = start + std::chrono::nanoseconds(static_cast<long long>(1e9 * j / o.rate));
      timer.expires_at(due);
      co_await timer.async_wait(asio::use_awaitable);
      const auto t0 = Clock::now();
      http::request<http::string_body> req{http::verb::post, target, 11};
      req.set(http::field::host, "127.0.0.1");
      req.set("X-Api-Key", o.api_key);
      req.set(http::field::authorization, "Bearer " + token);
      req.set(http::field::content_type, "application/json");
      req.body() = nlohmann::json{{"text", "fanout " + std::to_string(now_ns()) + " " + padding}}.dump();
      req.prepare_payload();
      if (j == 0) {
        std::lock_guard lock(s.mutex);
        s.first_send = t0;
      }
      co_await http::async_write(stream, req, asio::use_awaitable);
      http::response<http::string_body> res;
      co_await http::async_read(stream, buffer, res, asio::use_awaitable);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (res.result_int() == 201) {
        ++s.sent_ok;
        std::lock_guard lock(s.mutex);
        s.send_ms.push_back(ms);
      } else {
        ++s.send_errors;
        s.error("send: HTTP " + std::to_string(res.result_int()) + " " + res.body().substr(0, 200));
      }
    }
  } catch (const std::exception& e) {
    ++s.send_errors;
    s.error("writer " + std::to_string(index) + ": " + e.what());
  }
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(std::min<double>(static_cast<double>(v.size() - 1), p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

void usage() {
  std::cerr << "usage: fanout_bench --ports P1[,P2...] --api-key KEY --api-secret SECRET [--watchers N] [--messages M]\n"
               "                    [--rate MSG_PER_S] [--writers W] [--size TEXT_BYTES] [--threads T] [--channel ID]\n";
}

bool parse(int argc, char** argv, Options& o) {
  std::map<std::string, std::string> a;
  for (int i = 1; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
  if (argc % 2 == 0) return false;
  try {
    for (const auto& [k, v] : a) {
      if (k == "--ports") {
        std::size_t pos = 0;
        while (pos <= v.size()) {
          const auto comma = v.find(',', pos);
          o.ports.push_back(static_cast<std::uint16_t>(std::stoi(v.substr(pos, comma - pos))));
          if (comma == std::string::npos) break;
          pos = comma + 1;
        }
      } else if (k == "--api-key") {
        o.api_key = v;
      } else if (k == "--api-secret") {
        o.api_secret = v;
      } else if (k == "--channel") {
        o.channel = v;
      } else if (k == "--watchers") {
        o.watchers = std::stoi(v);
      } else if (k == "--messages") {
        o.messages = std::stoi(v);
      } else if (k == "--rate") {
        o.rate = std::stod(v);
      } else if (k == "--writers") {
        o.writers = std::stoi(v);
      } else if (k == "--size") {
        o.size = std::stoul(v);
      } else if (k == "--threads") {
        o.threads = std::stoi(v);
      } else {
        return false;
      }
    }
  } catch (const std::exception&) {
    return false;
  }
  return !o.ports.empty() && !o.api_key.empty() && !o.api_secret.empty() && o.watchers > 0 && o.messages > 0 &&
         o.rate > 0 && o.writers > 0 && o.threads > 0 && o.size <= 4900;
}

}  // namespace

int main(int argc, char** argv) {
  Shared s;
  if (!parse(argc, argv, s.opt)) {
    usage();
    return 2;
  }
  const Options& o = s.opt;
  s.got = std::make_unique<std::atomic<int>[]>(static_cast<std::size_t>(o.watchers));
  // The channel (the writer becomes its owner; livestream channels are readable by every user).
  const std::string body = "{}";
  const int created = rest(o.ports[0], http::verb::put, "/v1/channels/livestream/" + o.channel, body,
                           token_for(o, "writer"), o.api_key);
  if (created != 201 && created != 200) {
    std::cerr << "creating livestream:" << o.channel << " failed: HTTP " << created << "\n";
    return 1;
  }

  asio::io_context ioc;
  auto guard = asio::make_work_guard(ioc);
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) threads.emplace_back([&ioc] { ioc.run(); });

  const auto connect_start = Clock::now();
  for (int i = 0; i < o.watchers; ++i) {
    asio::co_spawn(ioc, watcher(s, i), asio::detached);
  }
  const auto setup_deadline = Clock::now() + std::chrono::seconds(120);
  while (s.ready < o.watchers && Clock::now() < setup_deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double connect_s = std::chrono::duration<double>(Clock::now() - connect_start).count();
  if (s.ready < o.watchers || s.failed > 0) {
    std::cerr << "only " << s.ready - s.failed << " of " << o.watchers << " watchers are ready\n";
  }

  const auto start = Clock::now() + std::chrono::milliseconds(100);
  for (int w = 0; w < o.writers; ++w) asio::co_spawn(ioc, writer(s, w, start), asio::detached);
  // Every delivery, or the planned send time plus 30 s.
  const auto deadline = start + std::chrono::nanoseconds(static_cast<long long>(1e9 * o.messages / o.rate)) +
                        std::chrono::seconds(30);
  while (s.done < o.watchers && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double send_window_s =
      std::chrono::duration<double>(std::chrono::nanoseconds(static_cast<long long>(1e9 * o.messages / o.rate))).count();
  s.stop = true;
  guard.reset();
  if (s.done < o.watchers) {  // stragglers: name a few, then give up on them
    int named = 0;
    for (int i = 0; i < o.watchers && named < 10; ++i) {
      const int n = s.got[static_cast<std::size_t>(i)].load();
      if (n >= o.messages) continue;
      std::printf("straggler: watcher %d (node %zu) got %d of %d\n", i, static_cast<std::size_t>(i) % o.ports.size(), n,
                  o.messages);
      ++named;
    }
    ioc.stop();
  }
  for (auto& t : threads) t.join();

  std::lock_guard lock(s.mutex);
  const long expected = static_cast<long>(o.watchers) * o.messages;
  const double span_s = std::chrono::duration<double>(s.last_receive - s.first_send).count();
  std::printf("watchers %d over %zu node(s), messages %d at %.0f/s (%d writer connections), text %zu bytes\n",
              o.watchers, o.ports.size(), o.messages, o.rate, o.writers, o.size);
  std::printf("connect+watch: %.2f s for %d watchers\n", connect_s, o.watchers);
  std::printf("sends: %d ok, %d failed; REST send latency p50 %.1f ms, p99 %.1f ms\n", s.sent_ok.load(),
              s.send_errors.load(), percentile(s.send_ms, 0.50), percentile(s.send_ms, 0.99));
  std::printf("fan-out latency (send start -> watcher receive): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              percentile(s.fanout_ms, 0.50), percentile(s.fanout_ms, 0.90), percentile(s.fanout_ms, 0.99),
              s.fanout_ms.empty() ? 0.0 : *std::max_element(s.fanout_ms.begin(), s.fanout_ms.end()));
  std::printf("delivered %ld of %ld events (%ld missing), %.0f events/s over %.2f s (planned send window %.2f s)\n",
              s.delivered.load(), expected, expected - s.delivered.load(),
              span_s > 0 ? static_cast<double>(s.delivered.load()) / span_s : 0.0, span_s, send_window_s);
  for (const auto& e : s.errors) std::printf("error: %s\n", e.c_str());
  return s.delivered.load() == expected && s.send_errors == 0 && s.failed == 0 ? 0 : 1;
}
