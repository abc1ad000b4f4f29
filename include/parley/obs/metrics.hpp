#pragma once
// Lock-free request and connection metrics, rendered in Prometheus text format.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::obs {

/// The endpoint classes of API.md section 4, plus system endpoints and requests that matched no route.
enum class RouteClass : std::uint8_t { system, read, write, connect, unmatched };
inline constexpr std::size_t kRouteClassCount = 5;
std::string_view route_class_name(RouteClass rc);

/// A fixed-bucket latency histogram; observe() is wait-free.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 13> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1.0,   2.5,  5.0};
  void observe(std::chrono::nanoseconds d);
  /// Appends the _bucket/_sum/_count lines for `name` with extra label text `labels` (e.g. `route_class="read"`).
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_ns_{0};
  std::atomic<std::uint64_t> count_{0};
};

/// Counters and gauges of the HTTP/WebSocket front end. Shared by all io threads; owned by the Server.
class ServerMetrics {
 public:
  void record_request(RouteClass rc, int status, std::chrono::nanoseconds latency);
  std::atomic<std::int64_t> http_connections_open{0};
  std::atomic<std::int64_t> ws_connections_open{0};
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> ws_frames_in{0};
  std::atomic<std::uint64_t> ws_frames_out{0};
  std::atomic<std::uint64_t> ws_writes{0};  // batched physical writes of WebSocket output (WriteCoalescer)

  void render(std::string& out) const;

 private:
  static constexpr int kMinStatus = 100;
  static constexpr int kStatusSlots = 500;  // 100..599
  std::array<std::array<std::atomic<std::uint64_t>, kStatusSlots>, kRouteClassCount> requests_{};
  std::array<LatencyHistogram, kRouteClassCount> latency_{};
};

/// Helpers for writing Prometheus text lines.
void prom_help(std::string& out, std::string_view name, std::string_view type, std::string_view help);
void prom_value(std::string& out, std::string_view name, std::string_view labels, double value);
/// HELP, TYPE and one unlabelled sample.
void prom_metric(std::string& out, std::string_view name, std::string_view type, std::string_view help, double value);

}  // namespace parley::obs
